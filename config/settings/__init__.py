"""Settings profiles: `base` (shared), `production` (the default), `dev` (`make run`),
`test` (pytest). Pick one with DJANGO_SETTINGS_MODULE."""
