"""Server-rendered pages for people auditing progress, in the GOV.UK Design System."""
