"""The sign-in form's checks, before anything is sent (rime_tui/tui/session.py)."""

from __future__ import annotations

import pytest

from rime_tui.tui.session import FormError, SignInForm


@pytest.mark.parametrize(
    ("form", "message", "field"),
    [
        (SignInForm("", "password", "a@b.c", "pw"), "The cluster URL is empty.", "cluster"),
        (SignInForm("ftp://x", "token", api_token="rime_x"), "is not an http(s) URL", "cluster"),
        (SignInForm("rime.example.io", "password", " ", "pw"), "Enter your email and", None),
        (SignInForm("rime.example.io", "password", "a@b.c", ""), "Enter your email and", None),
        (SignInForm("rime.example.io", "token", api_token="  "), "Paste your API token.", None),
        (SignInForm("rime.example.io", "token", api_token="rime_a b"), "not an API", "api-token"),
        (SignInForm("rime.example.io", "token", api_token="rime_é"), "not an API", "api-token"),
        (SignInForm("rime.example.io", "token", api_token="rime_\x1b"), "not an API", "api-token"),
    ],
)
def test_what_cannot_be_sent_says_what_to_fix_and_where(
    form: SignInForm, message: str, field: str | None
) -> None:
    with pytest.raises(FormError) as raised:
        form.cluster_url()  # the cluster first: a local instance that failed is said then
        form.check_credentials()
    assert message in raised.value.message
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("form", "url"),
    [
        (SignInForm("rime.example.io/", "token", api_token="rime_x"), "https://rime.example.io"),
        (SignInForm("http://127.0.0.1:8477", "password", "a@b.c", "pw"), "http://127.0.0.1:8477"),
    ],
)
def test_a_filled_form_passes_and_gives_the_normalised_url(form: SignInForm, url: str) -> None:
    form.check_credentials()
    assert form.cluster_url() == url
