"""The weekly digest: my work, and for coordinators the team."""
