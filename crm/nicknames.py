"""Common English given-name nicknames, both ways: a search for "Bob" finds Robert, and one for
"Robert" finds a Bob (a small table, not a dictionary of every name)."""

from __future__ import annotations

# Formal name: the short forms people go by.
GROUPS = {
    "robert": ("bob", "bobby", "rob", "robbie", "bert"),
    "elizabeth": ("liz", "lizzie", "beth", "betsy", "betty", "eliza", "lisa"),
    "william": ("bill", "billy", "will", "willie", "liam"),
    "richard": ("rick", "ricky", "rich", "dick"),
    "james": ("jim", "jimmy", "jamie"),
    "john": ("jack", "johnny", "jon"),
    "jonathan": ("jon", "jonny", "nathan"),
    "michael": ("mike", "mikey", "mick"),
    "joseph": ("joe", "joey"),
    "thomas": ("tom", "tommy"),
    "charles": ("charlie", "chuck", "chas"),
    "christopher": ("chris", "kit"),
    "christine": ("chris", "chrissy", "tina"),
    "daniel": ("dan", "danny"),
    "david": ("dave", "davey"),
    "matthew": ("matt",),
    "anthony": ("tony",),
    "andrew": ("andy", "drew"),
    "steven": ("steve",),
    "stephen": ("steve",),
    "kenneth": ("ken", "kenny"),
    "timothy": ("tim", "timmy"),
    "edward": ("ed", "eddie", "ted", "ned"),
    "theodore": ("ted", "teddy", "theo"),
    "benjamin": ("ben", "benny"),
    "samuel": ("sam", "sammy"),
    "alexander": ("alex", "sasha"),
    "alexandra": ("alex", "sasha", "lexi"),
    "nicholas": ("nick", "nicky"),
    "patrick": ("pat", "paddy"),
    "patricia": ("pat", "patty", "trish", "tricia"),
    "margaret": ("maggie", "meg", "peggy", "marge"),
    "katherine": ("kate", "katie", "kathy", "kat"),
    "catherine": ("cate", "cathy", "kate", "katie"),
    "jennifer": ("jen", "jenny"),
    "jessica": ("jess", "jessie"),
    "susan": ("sue", "susie"),
    "deborah": ("deb", "debbie"),
    "barbara": ("barb", "babs"),
    "kimberly": ("kim",),
    "rebecca": ("becky", "becca"),
    "victoria": ("vicky", "tori"),
    "donald": ("don", "donnie"),
    "ronald": ("ron", "ronnie"),
    "gregory": ("greg",),
    "jeffrey": ("jeff",),
    "lawrence": ("larry",),
    "gerald": ("jerry",),
    "raymond": ("ray",),
    "frederick": ("fred", "freddie"),
    "henry": ("hank", "harry"),
    "harold": ("harry", "hal"),
    "francis": ("frank",),
    "frances": ("fran", "frankie"),
    "jose": ("pepe",),
    "francisco": ("paco", "pancho"),
    "dorothy": ("dot", "dottie"),
    "abigail": ("abby",),
    "pamela": ("pam",),
    "cynthia": ("cindy",),
    "melissa": ("missy", "mel"),
    "amanda": ("mandy",),
    "judith": ("judy",),
    "sandra": ("sandy",),
    "carolyn": ("carol",),
    "mitchell": ("mitch",),
    "zachary": ("zach",),
    "joshua": ("josh",),
}


def _both_ways() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for formal, shorts in GROUPS.items():
        table.setdefault(formal, set()).update(shorts)
        for short in shorts:
            table.setdefault(short, set()).add(formal)
    return {name: frozenset(names) for name, names in table.items()}


NICKNAMES = _both_ways()


def name_variants(first_name: str) -> frozenset[str]:
    """The nicknames of a formal given name, or the formal names of a nickname (lower case)."""
    return NICKNAMES.get(first_name.casefold(), frozenset())
