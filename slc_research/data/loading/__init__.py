"""One loader per source kind: raw table in, canonical pseudonymised table out."""
