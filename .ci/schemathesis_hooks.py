"""What schemathesis cannot read in the API document: values of the `domain` format.

A `domain` is a name or a URL whose host is under a known public suffix; the document names
the rule but no regular expression can state it, so the generator is told here how such values
look. Every value made here must be accepted by the service.
"""

import schemathesis
from hypothesis import strategies as st

# Labels without hyphens: `xn--` labels must be valid punycode, which random text is not.
# A "z" and a digit first: the public suffix list holds hundreds of names one label under these
# suffixes (`us.org`, `qa2.com`), each a suffix itself and rightly refused, and none of them
# starts that way.
LABELS = st.from_regex(r"\Az[0-9][a-z0-9]{0,13}\Z")
# Suffixes the public suffix list has held for decades.
SUFFIXES = st.sampled_from(["com", "org", "net", "de", "fr", "nl", "co.uk", "com.au"])
NAMES = st.builds(lambda label, suffix: f"{label}.{suffix}", LABELS, SUFFIXES)


def _as_given(name: str, scheme: str, www: bool, upper: bool, path: str) -> str:
    host = f"www.{name}" if www else name
    text = f"{scheme}{host}{path}"
    return text.upper() if upper else text


DOMAINS = st.builds(
    _as_given,
    NAMES,
    st.sampled_from(["", "http://", "https://"]),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["", "/", "/shop?q=1"]),
)

schemathesis.openapi.format("domain", DOMAINS)
