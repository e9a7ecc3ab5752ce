"""The functions a migration's loop bodies call that neither PHP nor Laravel's helpers define.

A loop over query results whose body calls no method reads (phploops.inert), unless it calls a
function of the app's own: eveseat's `setting(['language', 'zh-CN', $id])` writes a row per
iteration through the app's helper, and inside PostgreSQL's migration transaction each of those
writes holds its lock to the end. The gate cannot read the helper (it is not in the migration),
so such a call is reported as one (rules/source.py judges it inside a transaction only: outside
one, what a helper writes autocommits, like the keyed writes of a loop).

PHP's own functions are php_functions.txt (`get_defined_functions()['internal']` of PHP 8.2 with
the extensions a Laravel host has); Laravel's helpers that only read or build values are listed
here. Read with phpsource's mask, so comments and strings never match.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

# Language constructs and keywords that take parentheses.
_CONSTRUCTS = frozenset(
    "if elseif foreach for while switch match function fn array list isset empty unset return "
    "new catch echo print exit die eval include include_once require require_once and or "
    "use static self parent declare".split()
)
# Laravel's global helpers that read or build values (none writes a database row).
_LARAVEL_READS = frozenset(
    "app abort abort_if abort_unless auth base_path blank class_basename class_uses_recursive "
    "collect config config_path database_path data_fill data_get data_set e env filled head "
    "last lang_path logger info now optional public_path report rescue resolve resource_path "
    "retry str storage_path tap throw_if throw_unless today trait_uses_recursive trans "
    "trans_choice __ value with dispatch dispatch_sync event broadcast asset secure_asset url "
    "route action bcrypt encrypt decrypt csrf_token "
    # Laravel 5's string and array helpers
    "str_random str_slug str_plural str_singular str_contains str_is str_limit str_finish "
    "str_start camel_case snake_case studly_case title_case kebab_case starts_with ends_with "
    "array_get array_set array_has array_first array_last array_only array_except array_pluck "
    "array_wrap array_add array_where array_flatten".split()
)
# a name called as a function: not a method (->, ::), a variable, a namespaced name, or `new X(`
_CALL = re.compile(r"(?<![\w$>:\\])(?<!\bnew )([A-Za-z_]\w*)\s*\(")


@cache
def _php_functions() -> frozenset[str]:
    text = resources.files(__package__).joinpath("php_functions.txt").read_text()
    return frozenset(text.split())


def unknown_calls(mask: str, spans: list[tuple[int, int]]) -> tuple[str, ...]:
    """Names of the functions called in the spans of a mask (phpsource.mask_php) that are not
    PHP's, a construct, or a reading Laravel helper, in order of first call."""
    known = _php_functions()
    names = []
    for start, end in spans:
        for m in _CALL.finditer(mask, start, end):
            name = m.group(1)
            low = name.lower()
            if low in _CONSTRUCTS or low in known or low in _LARAVEL_READS:
                continue
            names.append(name)
    return tuple(dict.fromkeys(names))
