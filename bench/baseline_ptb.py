"""The baseline: the same English help form as a plain python-telegram-bot ConversationHandler behind PTB's webhook."""

from __future__ import annotations

import argparse
import logging
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)

# The conversation's states, in the order the form asks them.
(LANG, MENU, CONSENT, NAME, NATIONAL_ID, PHONE, CITY, RESIDENCY, HOUSEHOLD, INCOME, CATEGORY, DESCRIPTION,
 DOCUMENTS, SUMMARY, DECLARE) = range(15)

MENU_TEXT = ("How can we help you today? Choose from the menu, or type your question.\n1. Ask a question\n"
             "2. Apply for help\n3. Programs and events\n4. My requests")
# Numbered choices: (state, field, question, options); the answer is the option's number.
CHOICES = {
    CITY: ("city", "Which city or town do you live in?", ["Al-Bukayriyah", "Al-Hilaliyah", "Another city"]),
    RESIDENCY: ("residency", "What is your residency status in the Kingdom?",
                ["Citizen", "Resident with a valid iqama", "Other (visitor or otherwise)"]),
    INCOME: ("income", "About how much is your household's monthly income?",
             ["No income", "Under 3,000 SAR", "3,000 – 5,999 SAR", "6,000 – 9,999 SAR", "10,000 SAR or more"]),
    CATEGORY: ("category", "What kind of help do you need?", ["Food basket", "Cash aid", "Help with rent"]),
}
HOUSEHOLD_Q = "How many people live in your household, including you? (type a number)"
DESCRIPTION_Q = "Briefly describe your need: your current situation and what you need. (10 to 1000 characters)"
DOCUMENTS_Q = "If you have documents that support your request, send them now, then choose “Done”.\n1. Skip"


def numbered(question: str, options: list[str]) -> str:
    return question + "\n" + "\n".join(f"{i}. {o}" for i, o in enumerate(options, 1))


def pick(typed: str, options: list[str]) -> str | None:
    """The option chosen by its number or its label, or None."""
    typed = typed.strip()
    if typed.isdigit() and 1 <= int(typed) <= len(options):
        return options[int(typed) - 1]
    return next((o for o in options if o.lower() == typed.lower()), None)


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        d = int(char) * (2 if position % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("العربية", callback_data="lang:ar"),
                                      InlineKeyboardButton("English", callback_data="lang:en")]])
    await update.message.reply_text("Welcome to the Test Association 🌿\nChoose your language:", reply_markup=keyboard)
    return LANG


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.callback_query.answer()
    context.user_data["lang"] = update.callback_query.data.split(":")[1]
    chat = update.effective_chat
    await context.bot.send_message(chat.id, "English selected.\nAt any time you can type “menu” or “cancel”.")
    await context.bot.send_message(chat.id, MENU_TEXT)
    return MENU


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if update.message.text.strip() != "2":
        await update.message.reply_text("Only “Apply for help” is open in this demo.\n" + MENU_TEXT)
        return MENU
    await update.message.reply_text("By applying you pledge that your data is true and agree to its use.\n"
                                    "1. I agree\n2. No")
    return CONSENT


async def consent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if update.message.text.strip() != "1":
        await update.message.reply_text(MENU_TEXT)
        return MENU
    await update.message.reply_text("What is your full name, as on your ID or iqama?")
    return NAME


async def name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    typed = " ".join(update.message.text.split())
    if len(typed.split()) < 2 or len(typed) > 100:
        await update.message.reply_text("Please type at least your first name and family name.")
        return NAME
    context.user_data["full_name"] = typed
    await update.message.reply_text("Type your national ID or iqama number (10 digits).")
    return NATIONAL_ID


async def national_id(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    typed = update.message.text.strip()
    if not re.fullmatch(r"[12]\d{9}", typed) or not luhn_ok(typed):
        await update.message.reply_text("That is not a valid ID number; please check it and type it again.")
        return NATIONAL_ID
    context.user_data["national_id"] = typed
    await update.message.reply_text("Type your mobile number (05…).")
    return PHONE


async def phone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    typed = re.sub(r"[\s-]", "", update.message.text)
    if not re.fullmatch(r"(05|\+9665|9665)\d{8}", typed):
        await update.message.reply_text("Please type a Saudi mobile number like 0551234567.")
        return PHONE
    context.user_data["phone"] = typed
    field_, question, options = CHOICES[CITY]
    await update.message.reply_text(numbered(question, options))
    return CITY


def choice_step(state: int, next_state: int, next_question: str):
    """A handler for a numbered choice that stores the option and asks the next question."""

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        field_, question, options = CHOICES[state]
        chosen = pick(update.message.text, options)
        if chosen is None:
            await update.message.reply_text("Please choose one of the numbers.\n" + numbered(question, options))
            return state
        context.user_data[field_] = chosen
        await update.message.reply_text(next_question)
        return next_state

    return handle


async def household(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    typed = update.message.text.strip()
    if not typed.isdigit() or not 1 <= int(typed) <= 30:
        await update.message.reply_text("Please type a number from 1 to 30.")
        return HOUSEHOLD
    context.user_data["household"] = int(typed)
    await update.message.reply_text(numbered(*CHOICES[INCOME][1:]))
    return INCOME


async def description(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    typed = update.message.text.strip()
    if not 10 <= len(typed) <= 1000:
        await update.message.reply_text("Please describe your need in 10 to 1000 characters.")
        return DESCRIPTION
    context.user_data["description"] = typed
    await update.message.reply_text(DOCUMENTS_Q)
    return DOCUMENTS


async def documents(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if update.message.text.strip() != "1":
        await update.message.reply_text(DOCUMENTS_Q)
        return DOCUMENTS
    data = context.user_data
    lines = [f"• {k.replace('_', ' ').capitalize()}: {data[k]}" for k in
             ("full_name", "phone", "city", "residency", "household", "income", "category", "description")]
    summary = "Please review your request before it is sent:\n\n" + "\n".join(lines)
    await update.message.reply_text(summary + "\n\nIs everything correct?\n1. Yes, it is correct\n2. Change an answer")
    return SUMMARY


async def summary(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if update.message.text.strip() != "1":
        await update.message.reply_text("What is your full name, as on your ID or iqama?")
        return NAME
    await update.message.reply_text("Declaration: “I declare that the information I have provided is correct.”\n"
                                    "1. I declare\n2. Back to the summary\n3. Cancel the request")
    return DECLARE


async def declare(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if update.message.text.strip() != "1":
        await update.message.reply_text("Your request was cancelled.\n" + MENU_TEXT)
        return MENU
    # What a simple bot does to "file" it: keep it in bot_data (persisted to the pickle file).
    requests = context.bot_data.setdefault("requests", [])
    requests.append(dict(context.user_data))
    reference = f"H-{len(requests):06d}"
    await update.message.reply_text(f"Your request {reference} was received; the research committee will review it.")
    await update.message.reply_text(MENU_TEXT)
    return MENU


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.message.reply_text("Cancelled.")
    return ConversationHandler.END


def build(token: str, api: str, data: str) -> Application:
    """The Application: persistence in a pickle file, the Bot pointed at `api` (…/bot, the token appended)."""
    text = filters.TEXT & ~filters.COMMAND
    states = {
        LANG: [CallbackQueryHandler(language, pattern=r"^lang:")],
        MENU: [MessageHandler(text, menu)],
        CONSENT: [MessageHandler(text, consent)],
        NAME: [MessageHandler(text, name)],
        NATIONAL_ID: [MessageHandler(text, national_id)],
        PHONE: [MessageHandler(text, phone)],
        CITY: [MessageHandler(text, choice_step(CITY, RESIDENCY, numbered(*CHOICES[RESIDENCY][1:])))],
        RESIDENCY: [MessageHandler(text, choice_step(RESIDENCY, HOUSEHOLD, HOUSEHOLD_Q))],
        HOUSEHOLD: [MessageHandler(text, household)],
        INCOME: [MessageHandler(text, choice_step(INCOME, CATEGORY, numbered(*CHOICES[CATEGORY][1:])))],
        CATEGORY: [MessageHandler(text, choice_step(CATEGORY, DESCRIPTION, DESCRIPTION_Q))],
        DESCRIPTION: [MessageHandler(text, description)],
        DOCUMENTS: [MessageHandler(text, documents)],
        SUMMARY: [MessageHandler(text, summary)],
        DECLARE: [MessageHandler(text, declare)],
    }
    conversation = ConversationHandler(
        entry_points=[CommandHandler("start", start)], states=states,
        fallbacks=[CommandHandler("cancel", cancel), CommandHandler("start", start)],
        name="help_request", persistent=True,
    )
    app = (Application.builder().token(token).base_url(api).base_file_url(api.removesuffix("/bot") + "/file/bot")
           .persistence(PicklePersistence(filepath=data)).build())
    app.add_handler(conversation)
    return app


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.baseline_ptb", description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--api", required=True, help="the Bot API base URL, ending in /bot")
    p.add_argument("--token", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--data", required=True, help="the pickle file")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    # PTB's own webhook server (tornado); it also calls setWebhook on the (fake) API with this URL.
    build(args.token, args.api, args.data).run_webhook(
        listen="127.0.0.1", port=args.port, url_path="telegram", secret_token=args.secret,
        webhook_url=f"http://127.0.0.1:{args.port}/telegram",
    )


if __name__ == "__main__":
    main()
