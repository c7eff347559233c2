"""Life-event subscriptions of social assistance (registry events → assistance services)."""
