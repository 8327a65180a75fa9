"""The data layer of a service whose one database is being split into Users and Pool."""
