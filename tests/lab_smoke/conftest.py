from tests.lab.fixtures import clean_lab, lab  # noqa: F401
