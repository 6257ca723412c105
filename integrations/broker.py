"""The embedded broker (DESIGN §7): kombu's filesystem transport, with each message written
whole before it becomes visible.

kombu writes a message file in place under its final name; a worker polling the folder can
take it while it is still empty and stop on the unreadable JSON ("Unrecoverable error:
JSONDecodeError"), after which no background job runs. Here the message is written under a
name the reader ignores (its queue part ends in ".part") and renamed, which is atomic on one
file system: a message is there complete, or not at all.

Importing this module makes the `filesystem://` scheme use it (kombu's transport aliases).
"""

from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):  # noqa: ANN001, ANN202, ARG002  (kombu's signature)
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + ".part"
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


TRANSPORT_ALIASES["filesystem"] = f"{__name__}:Transport"
