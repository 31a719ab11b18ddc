"""One limiter per bot through which every Bot API call that writes to a chat passes.

``limiter``: the memory and Redis limiters (one contract); ``methods``: which calls count;
``middleware``: the aiogram request middleware that waits for a slot, pauses on 429 and retries;
``overflow``: a reply past the retry bound moved to the outbox; ``build``: from the settings.
"""
