"""Hospital single sign-on through OpenID Connect (DESIGN 3.9).

`client` is the one module that speaks the protocol, through Authlib (discovery, code flow with
PKCE, state, nonce, the ID token's signature, issuer, audience and expiry); `service` turns the
checked claims into a Handoff user and session and knows nothing of HTTP; `routes` is the thin
edge (`/auth/oidc/login`, `/auth/oidc/callback`, `/auth/oidc/logout`).
"""
