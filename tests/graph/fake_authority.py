"""A local stand-in for the Microsoft identity platform (login.microsoftonline.com), enough for msal:
OpenID discovery, the token endpoint (client credentials with a secret or a certificate assertion,
device code, refresh token) and the device-code endpoint. Tokens are JWT-shaped (so the permission
check can read their roles/scp claims) and remembered, so the Graph side can refuse unknown or
expired ones."""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import jwt

PUBLIC_HOST = "https://login.emailbot.test"  # what msal is told; the test http client maps it to 127.0.0.1


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def make_jwt(claims: dict[str, Any]) -> str:
    return f"{b64({'typ': 'JWT', 'alg': 'none'})}.{b64(claims)}.{secrets.token_urlsafe(16)}"


@dataclass
class Issued:
    kind: str  # "app" | "delegated"
    claims: dict[str, Any]
    expired: bool = False


@dataclass
class FakeAuthority:
    tenant: str
    client_id: str
    client_secret: str
    graph_resource: str = "https://graph.microsoft.com"
    app_roles: list[str] = field(default_factory=lambda: ["Mail.ReadWrite", "Mail.Send", "User.Read.All"])
    delegated_scopes: list[str] = field(default_factory=lambda: [
        "Mail.ReadWrite.Shared", "Mail.Send.Shared", "User.Read", "User.ReadBasic.All", "Chat.Create",
        "ChatMessage.Send"])
    operator: dict[str, str] = field(default_factory=dict)  # id, upn, name
    certificate_public_key: Any = None  # accept client assertions signed by this key
    tokens: dict[str, Issued] = field(default_factory=dict)
    refresh_tokens: set[str] = field(default_factory=set)
    device_codes: dict[str, str] = field(default_factory=dict)  # code -> the scopes it was asked for
    counts: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # ---- endpoints ------------------------------------------------------------------------------

    def handle(self, method: str, path: str, form: dict[str, str]) -> tuple[int, dict[str, Any]] | None:
        prefix = f"/{self.tenant}"
        if method == "GET" and path == f"{prefix}/v2.0/.well-known/openid-configuration":
            base = f"{PUBLIC_HOST}/{self.tenant}"
            return 200, {"issuer": f"{base}/v2.0", "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                         "token_endpoint": f"{base}/oauth2/v2.0/token",
                         "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                         "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"]}
        if method == "POST" and path == f"{prefix}/oauth2/v2.0/devicecode":
            code = secrets.token_urlsafe(12)
            self.device_codes[code] = form.get("scope", "")  # the operator "approves" at once
            return 200, {"device_code": code, "user_code": "EBT-4711", "verification_uri":
                         "https://microsoft.com/devicelogin", "expires_in": 900, "interval": 1,
                         "message": "To sign in, open https://microsoft.com/devicelogin and enter EBT-4711."}
        if method == "POST" and path == f"{prefix}/oauth2/v2.0/token":
            return self._token(form)
        if path.startswith(prefix):
            return 404, {"error": "not_found"}
        return None

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant = form.get("grant_type", "")
        self._count(grant)
        if form.get("client_id") != self.client_id:
            return 400, _err("unauthorized_client", "AADSTS700016: Application not found in the directory.")
        if grant == "client_credentials":
            if not self._client_ok(form):
                return 401, _err("invalid_client", "AADSTS7000215: Invalid client secret provided.")
            token = self.issue("app", {"roles": list(self.app_roles)})
            return 200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            scope = self.device_codes.pop(form.get("device_code", ""), None)
            if scope is None:
                return 400, _err("expired_token", "AADSTS70020: The provided value for the input parameter "
                                 "'device_code' is not valid.")
            return 200, self._user_tokens({**form, "scope": scope})  # the token request carries no scope
        if grant == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                return 400, _err("invalid_grant", "AADSTS70008: The refresh token has expired.")
            return 200, self._user_tokens(form)
        return 400, _err("unsupported_grant_type", f"AADSTS70003: {grant} is not supported.")

    def _client_ok(self, form: dict[str, str]) -> bool:
        if "client_secret" in form:
            return bool(self.client_secret) and form["client_secret"] == self.client_secret
        assertion = form.get("client_assertion")
        if assertion and self.certificate_public_key is not None:
            try:
                claims = jwt.decode(assertion, self.certificate_public_key, algorithms=["RS256", "PS256"],
                                    audience=f"{PUBLIC_HOST}/{self.tenant}/oauth2/v2.0/token")
            except jwt.PyJWTError:
                return False
            return bool(claims.get("iss") == self.client_id and claims.get("sub") == self.client_id)
        return False

    def _user_tokens(self, form: dict[str, str]) -> dict[str, Any]:
        requested = {s.rsplit("/", 1)[-1] for s in form.get("scope", "").split()}
        scp = sorted(requested & set(self.delegated_scopes))
        token = self.issue("delegated", {"scp": " ".join(scp), "oid": self.operator["id"],
                                         "upn": self.operator["upn"]})
        refresh = secrets.token_urlsafe(24)
        self.refresh_tokens.add(refresh)
        now = int(time.time())
        id_token = make_jwt({"aud": self.client_id, "iss": f"{PUBLIC_HOST}/{self.tenant}/v2.0", "iat": now,
                             "nbf": now, "exp": now + 3600, "oid": self.operator["id"], "sub": self.operator["id"],
                             "tid": self.tenant, "preferred_username": self.operator["upn"],
                             "name": self.operator["name"]})
        granted = " ".join(s for s in form.get("scope", "").split() if s.rsplit("/", 1)[-1] in scp)
        return {"token_type": "Bearer", "scope": granted,  # in the form they were asked for, as Entra does
                "expires_in": 3599, "ext_expires_in": 3599, "access_token": token, "refresh_token": refresh,
                "id_token": id_token, "client_info": b64({"uid": self.operator["id"], "utid": self.tenant})}

    # ---- tokens ---------------------------------------------------------------------------------------

    def issue(self, kind: str, extra: dict[str, Any]) -> str:
        now = int(time.time())
        claims = {"aud": self.graph_resource, "tid": self.tenant, "appid": self.client_id, "iat": now,
                  "exp": now + 3600, **extra}
        token = make_jwt(claims)
        with self.lock:
            self.tokens[token] = Issued(kind, claims)
        return token

    def check(self, token: str) -> Issued | None:
        issued = self.tokens.get(token)
        return None if issued is None or issued.expired else issued

    def expire_all(self) -> None:
        """Graph starts refusing every token issued so far (as when they expire or are revoked)."""
        with self.lock:
            for issued in self.tokens.values():
                issued.expired = True

    def _count(self, grant: str) -> None:
        with self.lock:
            self.counts[grant] = self.counts.get(grant, 0) + 1


def _err(code: str, description: str) -> dict[str, Any]:
    number = re.search(r"\d+", description)
    return {"error": code, "error_description": description, "error_codes": [int(number[0]) if number else 0],
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()), "trace_id": secrets.token_hex(8),
            "correlation_id": secrets.token_hex(8)}
