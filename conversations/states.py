"""Every state a conversation can be in, one StrEnum per flow, each value written once. The values are stored
(conversation.state, and in a conversation's data where it is to come back to): renaming one strands the
conversations waiting in it."""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    GREETING = "greeting:choose_language"
    CHOOSE = "language:choose"


class Menu(StrEnum):
    MAIN = "menu:main"


class Inquiry(StrEnum):
    ASK = "inquiry:ask"
    ANSWERED = "inquiry:answered"
    PICK = "inquiry:pick"
    NO_MATCH = "inquiry:no_match"


class Handoff(StrEnum):
    LIVE = "handoff:live"


class Help(StrEnum):
    CONSENT = "help:consent"
    RESUME = "help:resume"
    TYPE = "help:type"
    NAME = "help:name"
    NATIONAL_ID = "help:national_id"
    PHONE = "help:phone"
    CITY = "help:city"
    RESIDENCY = "help:residency"
    HOUSEHOLD = "help:household"
    INCOME = "help:income"
    CATEGORY = "help:category"
    CONDITIONS = "help:conditions"
    UNMET = "help:condition_unmet"
    DESCRIPTION = "help:description"
    DOCUMENTS = "help:documents"
    SUMMARY = "help:summary"
    EDIT = "help:edit"
    DECLARATION = "help:declaration"
    ENDED = "help:ended"
    MORE_INFO = "help:more_info"


class Requests(StrEnum):
    LIST = "requests:list"


class Update(StrEnum):
    PICK = "update:pick"
    PHONE = "update:phone"
    CITY = "update:city"
    HOUSEHOLD_SIZE = "update:household_size"
    INCOME_BRACKET = "update:income_bracket"
    RESIDENCY = "update:residency"


class Privacy(StrEnum):
    MENU = "privacy:menu"
    ERASE = "privacy:erase"


class Link(StrEnum):
    NUMBER = "link:number"
    CODE = "link:code"
    WAITING = "link:waiting"


class Programs(StrEnum):
    KINDS = "programs:kinds"
    LIST = "programs:list"
    DETAILS = "programs:details"  # a program reached from the list of its kind
    MY_LIST = "programs:mine"
    MY_ITEM = "programs:mine_item"  # a program reached from "my registrations"
    CANCEL = "programs:cancel"
    CONDITION = "programs:condition"
    CONFIRM = "programs:confirm"
    SKILLS = "programs:skills"
    NEED = "programs:need"
    AFTER = "programs:after"
    CONTACT_NAME = "programs:contact_name"
    CONTACT_PHONE = "programs:contact_phone"


class Rating(StrEnum):
    SCORE = "rating:score"
    COMMENT = "rating:comment"


class Complaints(StrEnum):
    MENU = "complaints:menu"
    TEXT = "complaints:text"
    ATTACH = "complaints:attach"
    FOLLOW = "complaints:follow"
    FOLLOWED = "complaints:followed"


ENUMS = (  # every enum above
    Language, Menu, Inquiry, Handoff, Help, Requests,
    Update, Privacy, Link, Programs, Rating, Complaints,
)
