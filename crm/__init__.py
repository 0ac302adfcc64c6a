"""The CRM core: data model, sessions, lookup, import and audit."""
