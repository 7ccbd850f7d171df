"""The pre-session connection check: a server-side probe peer, its results and the verdict."""
