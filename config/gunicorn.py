"""gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi --bind ...`.

Access log lines carry the method, the path and the status, never the query string or the
referer: the queue's search puts a patient's name or MRN in the query string (?q=...), and logs
must hold no patient data. Workers: WEB_CONCURRENCY, read by gunicorn itself."""

accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
timeout = 60
