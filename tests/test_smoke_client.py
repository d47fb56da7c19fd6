from rime_tui.api import RimeClient

from tests.conftest import Local


async def test_bootstrap_token_lists_workspace_1(local: Local, admin: RimeClient) -> None:
    workspaces = [w async for w in admin.iter_workspaces()]
    assert [w.name for w in workspaces] == ["Workspace 1"]
    tokens = [t async for t in admin.iter_api_tokens(local.workspace_id)]
    assert len(tokens) == 1 and tokens[0].suffix == local.api_token[-4:]
    async with RimeClient(local.url) as anon:
        login = await anon.login(local.admin_email, local.admin_password)
        assert login.user.email == "admin@rime.local"
        created = await anon.create_api_token("ci", local.workspace_id)
        assert created.full_api_token.startswith("rime_")
