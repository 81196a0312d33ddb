"""The tests hash passwords cheaply (tests/conftest.py); the app itself keeps argon2id with
argon2-cffi's default cost (RFC 9106's low-memory profile)."""
from __future__ import annotations

from argon2 import PasswordHasher, Type
from common import PRODUCTION_HASHER, TEST_HASHER

from kpi.usecases import accounts


def test_the_app_hashes_with_argon2id_at_the_default_cost():
    default = PasswordHasher()
    assert PRODUCTION_HASHER.type is Type.ID
    assert (PRODUCTION_HASHER.time_cost, PRODUCTION_HASHER.memory_cost, PRODUCTION_HASHER.parallelism) == \
        (default.time_cost, default.memory_cost, default.parallelism) == (3, 65536, 4)
    assert PRODUCTION_HASHER.hash("mat-khau-8").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_tests_hash_cheaply_and_the_app_still_checks_both():
    assert accounts._HASHER is TEST_HASHER
    cheap = accounts.hash_password("mat-khau-8")
    assert cheap.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert accounts.password_matches(cheap, "mat-khau-8") and not accounts.password_matches(cheap, "mat-khau-9")
    real = PRODUCTION_HASHER.hash("mat-khau-8")
    assert accounts.password_matches(real, "mat-khau-8") and not accounts.password_matches(real, "mat-khau-9")
