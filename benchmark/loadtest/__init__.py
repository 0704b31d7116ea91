"""The load test (`make loadtest`): simulated staff doing their day against gunicorn, PostgreSQL
and Redis, through the real sign-in pages.

- staff.py (`manage.py loadtest_prepare`): who signs in, with their authenticator keys, and what
  they search for, written to a JSON file the locustfile reads (it never touches the database);
- locustfile.py: the coordinators' and managers' day, a stepped ramp of users, the log of every
  change it made;
- steps.py: each step's throughput, p95 and errors, and the highest throughput held;
- lost_updates.py (`manage.py loadtest_check`): every logged change is in the database with its
  history and timeline rows, and every touched task's version counts its changes.
"""
