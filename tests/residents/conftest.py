"""The resident world, built once per test module and copied for each test
(``tests.built_once``), and signing an actor in as the resident side would."""

import copy

import pytest
from django.core.cache import cache
from django.test import override_settings

from accounts.resident_session import RESIDENT_ONLY
from tests.built_once import rows_kept_for_the_scope
from tests.residents.world import RESIDENTS, build_resident_world

WORLD_SETTINGS = {"PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"]}


@pytest.fixture(scope="module")
def _resident_world_once(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("resident-media")
    with (
        override_settings(MEDIA_ROOT=str(media), **WORLD_SETTINGS),
        rows_kept_for_the_scope(django_db_blocker),
    ):
        built = build_resident_world()
        built.media_root = str(media)
        yield built


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counts live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(_resident_world_once, db, settings):
    settings.MEDIA_ROOT = _resident_world_once.media_root
    for name, value in WORLD_SETTINGS.items():
        setattr(settings, name, value)
    return copy.deepcopy(_resident_world_once)


def sign_in(client, world, actor: str) -> None:
    """Residents as a case link signs them in (a resident-only session); staff as the admin
    login does; ``anonymous``: nobody."""
    user = world.users[actor]
    if user is None:
        return
    client.force_login(user)
    if actor in RESIDENTS:
        session = client.session
        session[RESIDENT_ONLY] = True
        session.save()
