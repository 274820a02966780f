"""The ``site`` of an rc file, read the way python-zulip-api 0.9 reads it.

One file must name the same server to Keyfob's client and to ``zulip.Client``, so this
follows that package's ``Client.__init__`` to the letter, quirks included:

- a site starting with ``localhost`` gets ``http://`` (so does ``localhost.example.com``:
  it is a prefix test, not a host test);
- any other site not starting with ``http`` gets ``https://`` (``127.0.0.1:5000`` too);
- trailing slashes go, and the API is under ``/api`` unless the site already ends with it.
"""

API_SUFFIX = "/api"


class SiteError(ValueError):
    """The site is not a URL either client could call."""


def normalize(site: str) -> str:
    """The site with the scheme the zulip package adds and without trailing slashes.
    Raises SiteError when no http(s) URL comes out of it."""
    if site.startswith("localhost"):
        site = "http://" + site
    elif not site.startswith("http"):
        site = "https://" + site
    site = site.rstrip("/")
    # "httpbin.org" starts with "http", so the zulip package adds nothing and then fails on
    # its first call; saying so now is kinder.
    if not site.startswith(("https://", "http://")):
        raise SiteError("the site must be a URL (https://…) or a host name")
    return site


def api_base(site: str) -> str:
    """Where version 1 of the API lives on a normalized site."""
    root = site if site.endswith(API_SUFFIX) else site + API_SUFFIX
    return root + "/v1"
