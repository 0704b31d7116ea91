import logging


class StripQueryString(logging.Filter):
    """The development server logs each request line ("GET /queue/?q=... HTTP/1.1"); keep its
    path only, as gunicorn's access log (config/gunicorn.py) does: a query string can hold a
    patient's name or MRN."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args and isinstance(args[0], str) and "?" in args[0]:
            method, _, rest = args[0].partition(" ")
            target, _, protocol = rest.partition(" ")
            record.args = (f"{method} {target.split('?', 1)[0]} {protocol}".strip(), *args[1:])
        return True
