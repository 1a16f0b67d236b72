"""The enquiry workspace: the manifest, opening and caching a workspace, the mapping editor, atomic writes."""
