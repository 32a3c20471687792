"""Where an import runs: the journaled, resumable apply and the background job runner.

This is shell code: it does I/O only through what it is given (a host adapter, a journal).
"""
