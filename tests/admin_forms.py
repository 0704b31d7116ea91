"""What a browser would submit from an admin change page: tests read the page, change a few
fields and post it back, inline management forms and all, instead of rebuilding the form by hand."""

from html.parser import HTMLParser


class _Form(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                self.values.setdefault(name, [])
                return
            self.values.setdefault(name, []).append(a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][0] += (
                data.lstrip("\n") if not self.values[self._textarea][0] else data
            )


def form_values(html: str) -> dict[str, list[str]]:
    """Every field of the page's forms with the values a browser would send (unticked boxes and
    unselected lists as empty lists, which the test client leaves out)."""
    parser = _Form()
    parser.feed(html)
    parser.close()
    values = parser.values
    values.pop("csrfmiddlewaretoken", None)
    return values
