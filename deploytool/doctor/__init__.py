"""`deploytool doctor`: the graceful-shutdown checklist as checks.

facts.py holds what is true on a host (gathered read-only by inspect.py, through testinfra's
modules where they fit and our transport otherwise); the rules are pure functions from facts
to findings (supervisor.py, systemd.py, worker.py, app.py, fleet.py; files/ for Dockerfiles,
compose files and Kubernetes manifests); model.py is the finding and the report; render.py
shows them. Nothing here changes a host.
"""
