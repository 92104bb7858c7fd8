"""A Qiskit-free client for the Quantinuum Nexus REST API.

.. currentmodule:: qiskit_nexus_provider.api

The client speaks the wire protocol of the official ``qnexus`` client (cookie authentication,
JSON:API-like envelopes, versioned endpoints) with :mod:`requests`, and adds what ``qnexus`` does
not have: timeouts, bounded retries with backoff, and duplicate-free job submission.

Client
======

.. autosummary::
   :toctree: ../stubs/

   NexusClient
   job_items

Configuration
=============

.. autosummary::
   :toctree: ../stubs/

   Timeouts
   RetryPolicy
   Credentials
   resolve_credentials
   resolve_base_url
   token_directory
   check_secure_url
   is_loopback_host

Exceptions
==========

.. autosummary::
   :toctree: ../stubs/

   NexusAPIError
   AuthenticationError
   PermissionDeniedError
   ResourceNotFoundError
   DataGoneError
   RateLimitedError
   ServerError
   NexusConnectionError
   AmbiguousResourceError
"""

from .client import CLIENT_KEY_PROPERTY, NexusClient, job_items
from .config import DEFAULT_RETRY_STATUSES, RetryPolicy, Timeouts
from .credentials import (
    DEFAULT_BASE_URL,
    TOKEN_ENV_VAR,
    Credentials,
    check_secure_url,
    is_loopback_host,
    resolve_base_url,
    resolve_credentials,
    token_directory,
)
from .errors import (
    AmbiguousResourceError,
    AuthenticationError,
    DataGoneError,
    NexusAPIError,
    NexusConnectionError,
    PermissionDeniedError,
    RateLimitedError,
    ResourceNotFoundError,
    ServerError,
)

__all__ = [
    "CLIENT_KEY_PROPERTY",
    "DEFAULT_BASE_URL",
    "DEFAULT_RETRY_STATUSES",
    "TOKEN_ENV_VAR",
    "AmbiguousResourceError",
    "AuthenticationError",
    "Credentials",
    "DataGoneError",
    "NexusAPIError",
    "NexusClient",
    "NexusConnectionError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ResourceNotFoundError",
    "RetryPolicy",
    "ServerError",
    "Timeouts",
    "check_secure_url",
    "is_loopback_host",
    "job_items",
    "resolve_base_url",
    "resolve_credentials",
    "token_directory",
]
