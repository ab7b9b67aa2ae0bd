"""Expert assignment for the review rounds: optimal, conflict-free, balanced, fair or seeded-random.

A pure library (numpy, OR-Tools); the web app translates its rows into a :class:`Problem` and calls::

    problem = build_problem(applications, experts, affinity=None, conflicts=None)  # or load_instance(dir)
    result = solve(problem, Options(k=5, max_load=8, seed=20260615))  # raises Infeasible(diagnosis)
    violations = check(problem, result.pairs, options)                 # [] when valid
    diagnosis = diagnose(problem, options)                              # Hall-type counts, zh + en
    new = replace(problem, result.pairs, app_id, expert_id, options, rng)  # a recusal
    affinities = pair_affinities(problem, result.pairs)                # each pair's affinity in [0, 1]
    text = text_affinity(app_profiles, expert_profiles, Weights())     # field match blended with texts
    problem = build_problem(applications, experts, affinity=text.table())  # text.shared_terms(app, expert)
    # or affinity=text.positions(app_ids, expert_ids): the same pairs as arrays, no Python object per pair
    panels = solve_panels(problem, groups, PanelOptions(min_size=5, max_size=7, seed=1))  # panel mode
    groups = propose_groups(items, max_apps=8)                          # one field per group, split by text
    files = instance_files(problem)  # the instance as CSV bytes by file name; write_instance(problem, dir)
    for name, chunks in instance_parts(problem): ...  # the same, streamed: a large instance's affinity.csv

Affinities are quantised to integers (score × SCALE, SCALE = 10^6) so the flow optimum is exact.
"""

import sys
import types
from importlib import import_module

#: Each public name and the module that defines it: loaded on first use (PEP 562), so that importing
#: `assignment` costs nothing until one of its names is used (the `flask` commands start without numpy).
_HOME = {
    "Profile": "affinity",
    "TextAffinity": "affinity",
    "Weights": "affinity",
    "pair_affinities": "affinity",
    "text_affinity": "affinity",
    "check": "check",
    "diagnose": "diagnose",
    "Item": "grouping",
    "ProposedGroup": "grouping",
    "propose_groups": "grouping",
    "instance_files": "io",
    "instance_parts": "io",
    "load_instance": "io",
    "pairs_file": "io",
    "read_pairs": "io",
    "write_instance": "io",
    "write_pairs": "io",
    "Group": "panels",
    "PanelOptions": "panels",
    "PanelResult": "panels",
    "check_panels": "panels",
    "diagnose_panels": "panels",
    "replace_member": "panels",
    "solve_panels": "panels",
    "SCALE": "problem",
    "Application": "problem",
    "Expert": "problem",
    "InputError": "problem",
    "Options": "problem",
    "Problem": "problem",
    "build_problem": "problem",
    "Replacement": "replace",
    "replace": "replace",
    "Diagnosis": "result",
    "Infeasible": "result",
    "Reason": "result",
    "Result": "result",
    "Violation": "result",
    "solve": "solve",
}

__all__ = [
    "SCALE", "Application", "Diagnosis", "Expert", "Group", "Item", "PanelOptions", "PanelResult", "ProposedGroup",
    "check_panels", "diagnose_panels", "propose_groups", "replace_member", "solve_panels",
    "Infeasible", "InputError", "Options", "Problem", "Profile",
    "Reason", "Replacement", "Result", "TextAffinity", "Violation", "Weights", "build_problem", "check",
    "diagnose", "instance_files", "instance_parts", "load_instance", "pair_affinities", "pairs_file", "read_pairs",
    "replace", "solve", "text_affinity", "write_instance", "write_pairs",
]


def __getattr__(name: str):
    """Import the module that defines `name` (once: the value is kept in the package's namespace)."""
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))


class _Package(types.ModuleType):
    """`check`, `diagnose`, `replace` and `solve` are each a module and the function it defines: importing
    the module (`solve` imports `diagnose`) would set the package's name to the module, so the function is
    kept instead, as the eager `from .check import check` of old did."""

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, types.ModuleType) and _HOME.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
