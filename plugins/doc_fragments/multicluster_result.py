# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """What every multi-cluster module returns about the object it manages (module_support.result_of): listed in
    a module's RETURN with extends_documentation_fragment."""

    RETURN = r"""
operation:
  description: What the module did (or would do in check mode), one of C(created), C(updated), C(deleted), C(none).
  returned: always
  type: str
  sample: created
result:
  description: The object as the API server returned it (in check mode, as it would be written).
  returned: always
  type: dict
diff:
  description: The managed part of the object before and after, in diff mode when something changed.
  returned: changed and diff mode
  type: dict
"""
