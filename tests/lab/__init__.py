"""The deploytool lab: a real fleet of sshd hosts on this machine (see lab.py)."""
