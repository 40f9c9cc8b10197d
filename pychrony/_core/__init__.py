"""The private core every public layer runs on.

One place owns a libchrony session (:mod:`.session`), decodes field values
(:mod:`.fields`) and turns libchrony error codes into exceptions
(:mod:`.errors`). The typed, generic and C-mirror layers call it; none of them
re-implements it.
"""
