"""Sign an XML document as NCALayer would, with a PEM key and certificate: for testing the portal's API by hand.

    python manage.py sign_request request.xml --key var/pki/citizens/IIN.key.pem \
        --cert var/pki/citizens/IIN.pem [--chain ca.pem] > signed.xml
"""

from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from django.core.management.base import BaseCommand, CommandError

from deregistration.eds import EDSError, KeyCertificateMismatch, sign_xml


def _read(path: Path | str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise CommandError(f"Cannot read the {what} {path}: {error.strerror or error}") from None


class Command(BaseCommand):
    help = "Print FILE with an enveloped XML signature (RSA-SHA256, certificate in KeyInfo) made with --key."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the XML document to sign")
        parser.add_argument("--key", type=Path, required=True, help="the signer's private key (PEM)")
        parser.add_argument("--cert", type=Path, required=True, help="the signer's certificate (PEM)")
        parser.add_argument("--chain", type=Path, help="CA certificates to add to KeyInfo (PEM, one or more)")

    def handle(self, *args, file: Path, key: Path, cert: Path, chain: Path | None, **options):
        document = _read(file, "document")
        key_pem = _read(key, "key")
        cert_pem = _read(cert, "certificate")
        chain_pems = [_read(chain, "chain")] if chain else []
        try:
            signed = sign_xml(document, key_pem=key_pem, cert_pem=cert_pem, chain_pems=chain_pems)
        except KeyCertificateMismatch:
            raise CommandError(f"The key {key} does not belong to the certificate {cert}.") from None
        except EDSError as error:
            raise CommandError(f"{file} cannot be signed: {error.text}") from None
        except (ValueError, TypeError, UnsupportedAlgorithm) as error:
            # Unreadable PEM, an encrypted key, a non-RSA key, a broken chain file.
            raise CommandError(f"Cannot use the key or certificates: {error}") from None
        self.stdout.write(signed.decode("utf-8"))
