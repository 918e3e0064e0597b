"""Issue 9 item 4 and issue 10 item 7: no demo material in a deployment, and a deployment that cannot seal slips
does not start.

- ``seed_demo`` refuses to run without DEBUG;
- production has no default for the seal, the EDS trust settings or PUBLIC_BASE_URL; ``manage.py check`` (and
  so ``runserver`` and ``migrate``) fails naming each missing, unreadable or expired setting, or a seal of the
  demo CA; ``check --deploy`` fails when EDS_TRUST_ROOTS or EDS_CRL are the demo CA's;
- with DEBUG on, the development seal and demo CA are made on first need;
- the product never imports the development tools (demo PKI, demo population) unless DEBUG asks for them.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from deregistration import pdf
from devtools import pki
from tests.config.test_settings import PRODUCTION as SETTINGS_PRODUCTION
from tests.config.test_settings import ROOT, manage
from tests.conftest import walk_in_case

PRODUCTION = {**SETTINGS_PRODUCTION, "SECRET_KEY": secrets.token_urlsafe(64)}


def write_pki(directory: Path, *, root_name: str = "Test NCA Root", seal_not_after=None) -> dict[str, str]:
    """A CA, its CRL and a seal certificate and key, as files; the environment that points at them."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = pki.make_ca(root_name)
    seal = pki.make_seal_certificate(ca, common_name="Мемлекеттік корпорация", not_after=seal_not_after)
    pki.write_certificate(directory / "ca.pem", ca.certificate)
    pki.write_crl(directory / "ca.crl", pki.make_crl(ca))
    pki.write_certified_key(directory / "seal.pem", directory / "seal.key.pem", seal)
    return {
        "EDS_TRUST_ROOTS": str(directory / "ca.pem"),
        "EDS_CRL": str(directory / "ca.crl"),
        "SLIP_SEAL_CERT": str(directory / "seal.pem"),
        "SLIP_SEAL_KEY": str(directory / "seal.key.pem"),
        "SLIP_SEAL_CHAIN": str(directory / "ca.pem"),
        "PUBLIC_BASE_URL": "https://dereg.example.kz",
    }


@pytest.fixture(scope="module")
def own_pki(tmp_path_factory) -> dict[str, str]:
    return write_pki(tmp_path_factory.mktemp("own"))


@pytest.fixture(scope="module")
def demo_pki(tmp_path_factory) -> dict[str, str]:
    directory = tmp_path_factory.mktemp("demo") / "pki"
    made = pki.ensure_demo_pki(directory)
    return {
        "EDS_TRUST_ROOTS": str(made.ca_cert_path),
        "EDS_CRL": str(made.crl_path),
        "SLIP_SEAL_CERT": str(made.seal_cert_path),
        "SLIP_SEAL_KEY": str(made.seal_key_path),
        "SLIP_SEAL_CHAIN": str(made.ca_cert_path),
        "PUBLIC_BASE_URL": "https://dereg.example.kz",
    }


# --- seed_demo --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_without_debug(settings, django_user_model):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not django_user_model.objects.exists()


def test_seed_demo_refuses_under_the_production_settings(own_pki):
    result = manage("seed_demo", "--skip-checks", **PRODUCTION, **own_pki, DATABASE_URL="sqlite:///:memory:")
    assert result.returncode != 0
    # The refusal is translated (in the default language, Kazakh); it names the command and DEBUG in every language.
    error = result.stderr.split("CommandError:", 1)[-1]
    assert "seed_demo" in error
    assert "DEBUG" in error


# --- manage.py check ----------------------------------------------------------------------------------------


def test_production_with_its_own_pki_passes_check_deploy(own_pki):
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **own_pki)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_without_key_material_fails_check_naming_each_setting():
    result = manage("check", **PRODUCTION)
    assert result.returncode != 0
    for name in (
        "SLIP_SEAL_CERT",
        "SLIP_SEAL_KEY",
        "SLIP_SEAL_CHAIN",
        "PUBLIC_BASE_URL",
        "EDS_TRUST_ROOTS",
        "EDS_CRL",
    ):
        assert f"{name} is not set" in result.stderr, name


@pytest.mark.parametrize("command", [("migrate", "--plan"), ("runserver", "--noreload", "127.0.0.1:0")])
def test_migrate_and_runserver_do_not_start_without_a_seal(own_pki, command):
    env = {**PRODUCTION, **own_pki, "SLIP_SEAL_KEY": "/nonexistent/seal.key.pem"}
    result = manage(*command, **env, DATABASE_URL="sqlite:///:memory:")
    assert result.returncode != 0
    assert "SLIP_SEAL_KEY (/nonexistent/seal.key.pem) cannot be read" in result.stderr + result.stdout


def test_the_development_profile_without_debug_has_no_key_material_either():
    result = manage("check", DEBUG="false", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "SLIP_SEAL_CERT is not set" in result.stderr


def test_an_expired_seal_fails_check(tmp_path):
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    env = write_pki(tmp_path / "expired", seal_not_after=past)
    result = manage("check", **PRODUCTION, **env)
    assert result.returncode != 0
    assert "SLIP_SEAL_CERT expired on" in result.stderr


def test_a_key_of_another_certificate_fails_check(own_pki, tmp_path):
    other = write_pki(tmp_path / "other")
    result = manage("check", **PRODUCTION, **{**own_pki, "SLIP_SEAL_KEY": other["SLIP_SEAL_KEY"]})
    assert result.returncode != 0
    assert "SLIP_SEAL_KEY is not the key of SLIP_SEAL_CERT" in result.stderr


def test_the_demo_seal_fails_check(own_pki, demo_pki):
    env = {**own_pki, **{k: demo_pki[k] for k in ("SLIP_SEAL_CERT", "SLIP_SEAL_KEY", "SLIP_SEAL_CHAIN")}}
    result = manage("check", **PRODUCTION, **env)
    assert result.returncode != 0
    assert "demo CA" in result.stderr
    assert "SLIP_SEAL_CERT" in result.stderr


def test_check_deploy_fails_when_eds_trusts_the_demo_ca(own_pki, demo_pki):
    env = {**own_pki, "EDS_TRUST_ROOTS": demo_pki["EDS_TRUST_ROOTS"], "EDS_CRL": demo_pki["EDS_CRL"]}
    plain = manage("check", **PRODUCTION, **env)
    assert plain.returncode == 0, plain.stderr
    deploy = manage("check", "--deploy", **PRODUCTION, **env)
    assert deploy.returncode != 0
    assert "EDS_TRUST_ROOTS trusts the demo CA" in deploy.stderr
    assert "EDS_CRL is the demo CA's revocation list" in deploy.stderr


# --- with DEBUG: made on first need ------------------------------------------------------------------------


@pytest.mark.django_db
def test_with_debug_the_development_seal_is_made_on_first_need(settings, tmp_path, household, operator):
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path / "var"
    directory = settings.VAR_DIR / "pki"
    settings.SLIP_SEAL_CERT = str(directory / "seal.pem")
    settings.SLIP_SEAL_KEY = str(directory / "seal.key.pem")
    settings.SLIP_SEAL_CHAIN = str(directory / "ca.pem")
    assert not directory.exists()
    application = walk_in_case(operator, household, complete=True, issue_slip=True)
    slip = application.subjects.get().slip
    from deregistration.slips import slip_pdf

    document = slip_pdf(actor=operator, slip=slip)
    status = pdf.verify_pdf_seal(document, trust_roots_pem_paths=[directory / "ca.pem"])
    assert status.ok, status
    assert status.signer_common_name == pki.DEMO_SEAL_NAME
    assert (directory / "ca.crl").exists()


def test_without_debug_nothing_is_made_and_the_seal_is_refused(settings, tmp_path):
    settings.DEBUG = False
    settings.VAR_DIR = tmp_path / "var"
    directory = settings.VAR_DIR / "pki"
    with pytest.raises(pdf.SealError):
        pdf.seal_pdf(b"%PDF-1.7", key_path=directory / "seal.key.pem", cert_path=directory / "seal.pem")
    assert not directory.exists()


# --- the product does not import the development tools ------------------------------------------------------


def test_the_product_never_imports_the_development_tools(own_pki):
    code = (
        "import sys, django; django.setup();"
        "import importlib, pkgutil, config.urls, config.wsgi;"
        "from django.core.management import call_command; call_command('check');"
        "[importlib.import_module(m.name) for p in ('citizens', 'deregistration', 'config')"
        " for m in pkgutil.walk_packages(importlib.import_module(p).__path__, p + '.')"
        " if '.tests' not in m.name and not m.name.endswith('seed_demo') and 'settings.' not in m.name];"
        "print('devtools' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k != "DATABASE_URL"}, **PRODUCTION, **own_pki},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip().endswith("False"), result.stdout + result.stderr
