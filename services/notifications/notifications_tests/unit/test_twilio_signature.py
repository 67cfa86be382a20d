"""X-Twilio-Signature, checked against the example in Twilio's documentation."""
from notifications.adapters.twilio_signature import is_valid, signature

TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
          ("From", "+14158675309"), ("To", "+18005551212")]
DOCUMENTED = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_the_documented_example():
    assert signature(TOKEN, URL, PARAMS) == DOCUMENTED
    assert is_valid(TOKEN, URL, list(reversed(PARAMS)), DOCUMENTED)  # order does not matter


def test_a_changed_parameter_url_or_token_is_refused():
    assert not is_valid(TOKEN, URL, [*PARAMS[:-1], ("To", "+18005551213")], DOCUMENTED)
    assert not is_valid(TOKEN, URL.replace("foo=1", "foo=2"), PARAMS, DOCUMENTED)
    assert not is_valid("54321", URL, PARAMS, DOCUMENTED)
    assert not is_valid(TOKEN, URL, PARAMS, None)
    assert not is_valid("", URL, PARAMS, DOCUMENTED)


def test_the_default_port_may_be_added_or_removed_by_a_proxy():
    with_port = URL.replace("mycompany.com", "mycompany.com:443")
    assert is_valid(TOKEN, with_port, PARAMS, DOCUMENTED)
    assert is_valid(TOKEN, URL, PARAMS, signature(TOKEN, with_port, PARAMS))
