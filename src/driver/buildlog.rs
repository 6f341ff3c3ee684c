//! Build stream -> Dockerfile steps and cache hits, for both builders (pure).
