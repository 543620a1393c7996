"""Which environment variables the broker keeps away from children (data tables).

The broker strips every credential-looking variable from the environment it builds a child's
from, then adds back only the credentials configured for the targets the decision resolved
(credentials.py). Names are matched one by one (exact, prefix, suffix): never a guess on values.
"""

from __future__ import annotations

from collections.abc import Mapping

# Credentials and the files/sockets that hold them.
CREDENTIAL_NAMES = frozenset({
    "KUBECONFIG", "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_OAUTH_ACCESS_TOKEN",
    "DATABASE_URL", "PGPASSWORD", "PGPASSFILE", "PGSERVICEFILE", "PGSERVICE", "MYSQL_PWD",
    "REDIS_URL", "MONGODB_URI", "SSH_AUTH_SOCK", "DOCKER_CONFIG", "DOCKER_AUTH_CONFIG",
    "DOCKER_HOST", "DOCKER_CERT_PATH", "NETRC", "GIT_ASKPASS", "SSH_ASKPASS",
    "GH_TOKEN", "GITHUB_TOKEN", "GITLAB_TOKEN", "NPM_TOKEN", "NODE_AUTH_TOKEN",
    "TWINE_PASSWORD", "HCLOUD_TOKEN", "DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN",
    "CLOUDFLARE_API_TOKEN", "HEROKU_API_KEY", "OP_SERVICE_ACCOUNT_TOKEN", "SOPS_AGE_KEY",
    "SOPS_AGE_KEY_FILE", "INTERLOCK_TOKEN", "INTERLOCK_DB",
})
# Whole families: cloud SDKs read many variables, any of which may name an identity.
CREDENTIAL_PREFIXES = ("AWS_", "AZURE_", "ARM_", "GOOGLE_", "GCP_", "GCLOUD_", "CLOUDSDK_",
                       "TF_TOKEN_", "TF_VAR_", "VAULT_", "KUBE_", "OS_", "OCI_", "ALIBABA_",
                       "ALICLOUD_", "IBMCLOUD_", "HF_", "OPENAI_", "ANTHROPIC_")
CREDENTIAL_SUFFIXES = ("_TOKEN", "_SECRET", "_SECRET_KEY", "_SECRET_ACCESS_KEY", "_PASSWORD",
                       "_PASSWD", "_PASS", "_PWD", "_API_KEY", "_APIKEY", "_ACCESS_KEY",
                       "_ACCESS_KEY_ID", "_PRIVATE_KEY", "_CREDENTIALS", "_CREDENTIAL",
                       "_AUTH", "_AUTH_TOKEN", "_KEY_FILE", "_SESSION")
# Variables that make every program (or every shell) run extra code: the command that was
# decided must be the code that runs.
CODE_INJECTION_NAMES = frozenset({
    "LD_PRELOAD", "LD_AUDIT", "LD_LIBRARY_PATH", "BASH_ENV", "ENV", "PROMPT_COMMAND",
    "SHELLOPTS", "BASHOPTS", "PS4", "PYTHONSTARTUP", "PYTHONINSPECT", "PERL5OPT", "PERL5DB",
    "RUBYOPT", "NODE_OPTIONS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "GIT_SSH",
    "GIT_SSH_COMMAND", "GIT_EXEC_PATH", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_PARAMETERS",
    "TF_CLI_ARGS", "TF_CLI_CONFIG_FILE",
})
CODE_INJECTION_PREFIXES = ("BASH_FUNC_", "TF_CLI_ARGS_", "GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_",
                           "LD_")

# Guarded mode: the only variables a client may pass to the broker (presentation and locale;
# nothing that changes which code runs or where it lands).
CLIENT_ALLOWED = frozenset({"TERM", "COLORTERM", "NO_COLOR", "FORCE_COLOR", "CLICOLOR",
                            "COLUMNS", "LINES", "LANG", "LANGUAGE", "TZ", "CI"})
CLIENT_ALLOWED_PREFIXES = ("LC_",)


def is_credential(name: str) -> bool:
    upper = name.upper()
    return (upper in CREDENTIAL_NAMES or upper.startswith(CREDENTIAL_PREFIXES)
            or upper.endswith(CREDENTIAL_SUFFIXES))


def injects_code(name: str) -> bool:
    return name in CODE_INJECTION_NAMES or name.startswith(CODE_INJECTION_PREFIXES)


def stripped(env: Mapping[str, str]) -> dict[str, str]:
    """`env` without credentials and code-injection variables."""
    return {k: v for k, v in env.items() if not is_credential(k) and not injects_code(k)}


def client_subset(env: Mapping[str, str]) -> dict[str, str]:
    """What a guarded-mode client may send (and what the server accepts from it)."""
    return {k: v for k, v in env.items()
            if isinstance(k, str) and isinstance(v, str) and "\x00" not in k + v
            and (k in CLIENT_ALLOWED or k.startswith(CLIENT_ALLOWED_PREFIXES))}
