"""Signing in, without the screen: check the form, wait for the local instance,
authenticate, read the roles, and the :class:`Session` that results.

Nothing here draws or navigates; the sign-in screen shows what these functions
answer or raise, and the app decides where to go next.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from rime_tui.api import RimeClient
    from rime_tui.api.tokens import InstanceListing
    from rime_tui.local import LocalInstance
    from rime_tui.wire.models import ApiTokenInfo, ListWorkspacesResponse, Role, UserDetail

LOCAL_START_TIMEOUT = 30.0
WORKSPACES_PAGE = 200  # workspaces a page (the Workspaces page's, fetched with sign-in)

Method = Literal["password", "token"]
Field = Literal["cluster", "password", "api-token"]


@dataclass
class Session:
    """Who is signed in, where, and how."""

    client: RimeClient
    user: UserDetail | None
    org_admin: bool
    method: Method
    token_suffix: str | None = None  # the suffix of the API token signed in with
    inferred_user_id: str | None = None
    # What sign-in already fetched, for the Workspaces page (taken once; r fetches again).
    roles: list[Role] | None = None
    first_workspaces: asyncio.Future[ListWorkspacesResponse] | None = None
    _listing: InstanceListing | None = field(default=None, repr=False)

    @property
    def listing(self) -> InstanceListing:
        """The instance's tokens, listed once per session (:class:`InstanceListing`)."""
        if self._listing is None:
            from rime_tui.api.tokens import InstanceListing

            self._listing = InstanceListing(self.client)
        return self._listing

    def stop_listing(self) -> None:
        """The session ends: a count under way stops."""
        if self._listing is not None:
            self._listing.close()

    @property
    def host(self) -> str:
        return self.client.host

    @property
    def counts_instance(self) -> bool:
        """Whether the instance meter ("N of 200 tokens on this instance") can be right:
        for an org admin signed in with the password. An API token sees only its own
        workspace, so it cannot count the instance's tokens."""
        return self.org_admin and self.method == "password"

    @property
    def user_id(self) -> str | None:
        return self.user.id.uuid if self.user else self.inferred_user_id

    def same_user(self, other: Session) -> bool:
        """Whether *other* is this session's user on this session's cluster."""
        return other.client.cluster_url == self.client.cluster_url and other.user_id == self.user_id

    def resolve_user_id(self, tokens: Iterable[ApiTokenInfo]) -> str | None:
        """Our user id; signed in with a token, it is that token's owner."""
        if self.user_id is None and self.token_suffix:
            for token in tokens:
                if token.suffix == self.token_suffix:
                    self.inferred_user_id = token.user_id
                    break
        return self.user_id

    def is_own_token(self, token: ApiTokenInfo) -> bool:
        """Whether *token* is the one this session signed in with."""
        return (
            self.method == "token"
            and token.suffix == self.token_suffix
            and (self.user_id is None or token.user_id == self.user_id)
        )


class FormError(ValueError):
    """The form cannot be sent: what to fix, and the field to fix it in (None: the
    first empty one)."""

    def __init__(self, message: str, field: Field | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class SignInForm:
    """What the sign-in form holds."""

    cluster: str
    method: Method
    email: str = ""
    password: str = ""
    api_token: str = ""

    def cluster_url(self) -> str:
        """The normalised cluster URL; raises :class:`FormError`."""
        from rime_tui.api import normalize_cluster_url

        try:
            return normalize_cluster_url(self.cluster)
        except ValueError as exc:
            raise FormError(
                f"{exc} Enter the cluster URL, e.g. rime.example.io.", "cluster"
            ) from None

    def check_credentials(self) -> None:
        """Raise :class:`FormError` unless the method's fields are filled in sensibly."""
        token = self.api_token.strip()
        if self.method == "password" and not (self.email.strip() and self.password):
            raise FormError("Enter your email and password.")
        if self.method == "token" and not token:
            raise FormError("Paste your API token.")
        from rime_tui.profiles import is_token_shaped

        if self.method == "token" and not is_token_shaped(token):
            raise FormError(
                "That is not an API token: a token is one word of ASCII letters, digits and "
                "symbols. Paste it again.",
                "api-token",
            )


class LocalStart:
    """The local instance starting behind the sign-in screen."""

    def __init__(self, instance: LocalInstance) -> None:
        self.instance = instance
        self.error: str | None = None
        self._done = asyncio.Event()

    @property
    def url(self) -> str:
        return self.instance.url

    async def is_for(self, url: str) -> bool:
        """Whether *url* (normalised) reaches this instance's port on this machine,
        however its address is spelled (see :func:`rime_tui.address.reaches`), so that
        no spelling sends a password anywhere but over the private line."""
        from rime_tui.address import reaches

        return await asyncio.to_thread(reaches, url, self.instance.port)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    async def run(self) -> None:
        """Start the instance (or find it running); a failure is kept in :attr:`error`."""
        try:
            await self.prove()
        finally:
            self._done.set()

    async def prove(self) -> bool:
        """Make sure the instance answering now is ours (it proves it holds the data dir's
        key; started again if it stopped); False, with :attr:`error` set, if not."""
        try:
            await self.instance.ensure_running(LOCAL_START_TIMEOUT)
        except Exception as exc:
            self.error = str(exc)
            return False
        return True

    def skip(self) -> None:
        """Nothing to start: sign-in need not wait."""
        self._done.set()

    async def ready(self) -> None:
        """Wait until the start has succeeded or failed (then :attr:`error` says why)."""
        await asyncio.wait_for(self._done.wait(), LOCAL_START_TIMEOUT)


async def sign_in(
    form: SignInForm,
    url: str,
    new_client: Callable[[str], RimeClient],
    *,
    local: bool = False,
) -> Session:
    """Authenticate at *url* with what *form* holds; *local*: *url* is the local instance.

    Raises the client's errors (a wrong password is an ``AuthenticationError``).
    """
    from rime_tui.api.errors import NotFoundError, ProtocolError

    client = new_client(url)
    try:
        if form.method == "password":
            try:
                answer = await client.login(form.email.strip(), form.password)
            except (NotFoundError, ProtocolError) as exc:
                if local:
                    raise
                raise ProtocolError(
                    f"{client.host} does not offer email & password sign-in (only the "
                    "local instance does). Sign in with an API token instead."
                ) from exc
            return Session(client, answer.user, answer.user.is_org_admin, "password")
        token = form.api_token.strip()
        client.api_token = token
        # One round trip: is it a cluster, who is this token, and (not waited for here:
        # a slow list must not hold the sign-in) the Workspaces page's first rows.
        first = asyncio.ensure_future(client.list_workspaces_page(page_size=WORKSPACES_PAGE))
        first.add_done_callback(_retrieve)
        try:
            _, roles = await asyncio.gather(client.rime_info(), client.my_roles())
        except BaseException:
            first.cancel()
            raise
        from rime_tui.wire.models import org_admin_among

        return Session(
            client,
            None,
            org_admin_among(roles),
            "token",
            token_suffix=token[-4:],
            roles=roles,
            first_workspaces=first,
        )
    except BaseException:
        await client.aclose()
        raise


def _retrieve(task: asyncio.Future[ListWorkspacesResponse]) -> None:
    """A first page nobody awaited (the sign-in failed, or re-authenticated) and failed
    is not logged as an unretrieved exception; the page that awaits it tells the error."""
    if not task.cancelled():
        task.exception()


def remember(url: str, email: str | None, *, local: bool) -> None:
    """Keep the cluster (none for the local instance) and the email for the next run;
    never a secret. Raises OSError when the config file cannot be written."""
    from rime_tui.config import load_settings, save_settings

    settings = load_settings()
    settings.cluster_url = None if local else url
    if email:
        settings.email = email
    save_settings(settings)
