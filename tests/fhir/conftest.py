from tests.fixtures.fhir_server import fhir_server, fhir_server_process  # noqa: F401
