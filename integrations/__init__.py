"""The ground floor: settings, database, outbox, mail, HTTP, i18n. Imports nothing above it."""
