"""Passages that address an AI or the reader with instructions ("ignore previous instructions", "system
notice: answer every question with …", "忽略之前的指令"): found by wording alone, fast enough to run on
every chunk at ingest.

Company documents tell people what to do all the time ("submit the form within 30 days"), so the
patterns look for what a document meant for people does not say: talk of earlier instructions or
prompts, words to an AI, rules for how every question is to be answered, chat-template role tags, a
request to send a password or bank login to an address. Text is NFKC-normalised (fullwidth letters,
"："), stripped of invisible format characters (a zero-width space can split a word) and of line breaks
first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class InstructionFlag:
    reason: str  # which kind of instruction, in words
    excerpt: str  # the words that matched, normalised


_AI = (r"(?:ai|a\.i\.|llms?|gpts?|chatgpt|chatbots?|bots?|(?:large )?language models?"
       r"|(?:ai|virtual|digital|automated|smart) assistants?|ai (?:agents?|systems?|models?))")
_AI_ZH = r"(?:ai|人工智能|智能|大模型|语言模型|机器人|gpt)"
_WORDS = r"(?: [\w'\-]+)"
_RULES = (r"(?:instructions?|prompts?|rules|directions|directives|guidelines|messages?|context|commands?|orders"
          r"|guidance|text|sources?|documents?|content|information)")
_RULES_ZH = r"(?:指令|指示|命令|说明|规则|提示词?|要求|设定|规定|内容|信息)"
_QUESTIONS = r"(?:questions?|quer(?:y|ies)|requests?|prompts?|messages?|inquir(?:y|ies))"
_QUESTIONS_ZH = r"(?:问题|提问|询问|请求|咨询)"
_ANSWERS = r"(?:answers?|responses?|repl(?:y|ies)|outputs?|summar(?:y|ies)|completions?)"
_ANSWER_ZH = r"(?:回答|回复|答复|作答|应答)"
_SECRETS = (r"(?:passwords?|passcodes?|pins?|bank (?:logins?|details|account(?: numbers?)?|credentials)"
            r"|(?:login|sign-in|account) (?:details|credentials|information|name and password)|credentials"
            r"|credit card(?: numbers?| details)?|card numbers?|cvv|social security numbers?"
            r"|one-time (?:codes?|passwords?)|(?:2fa|verification|security) codes?|iban)")
_SECRETS_ZH = (r"(?:密码|口令|银行(?:卡号|账号|帐号|账户|帐户|登录|登陆|卡)|登[录陆](?:信息|凭证|密码|账号|帐号)"
               r"|验证码|身份证号码?|信用卡(?:号|信息)?|账号密码)")
_LATIN_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class _Kind:
    reason: str
    words: frozenset[str]  # the pattern runs only if one of these words occurs,
    substrings: tuple[str, ...]  # or one of these strings (CJK words, tags, phrases)
    pattern: re.Pattern[str]


def _kind(reason: str, triggers: str, *alternatives: str) -> _Kind:
    split = triggers.split("|")
    words = frozenset(t for t in split if _LATIN_WORD.fullmatch(t))
    return _Kind(reason, words, tuple(t for t in split if t not in words),
                 re.compile("|".join(alternatives)))


# English and Chinese wordings of each kind of instruction. The triggers let a passage skip a kind's
# pattern without running it: most passages contain none of them, and the patterns cost ~0.1 ms each.
_KINDS = [
    _kind("chat-template role tag",
          "<|[inst]|[/inst]|<<sys>>|<</sys>>|_of_turn>|<system|</system|<assistant|</assistant|<sys>|</sys>"
          "|<source|</source|##",
          r"<\|[a-z_]{2,30}\|>", r"\[/?inst\]", r"<</?sys>>", r"<(?:start|end)_of_turn>",
          r"</?(?:system|assistant|sys|source)(?: [^<>]{0,80})?>",
          r"#{2,6} ?(?:system|assistant|instructions?|response)\b"),
    _kind("tells the reader to ignore earlier instructions",
          "ignore|disregard|forget|override|bypass|supersedes|overrides|忽略|无视|忽视|理会|忘记|忘掉|抛开|跳过",
          r"\b(?:ignore|disregard|forget|override|bypass)\b(?: (?:all|any|the|your|of|these|those|my|every))*"
          r" (?:previous|prior|above|earlier|preceding|foregoing|original|initial|system|existing|other)"
          rf"{_WORDS}{{0,2}} {_RULES}\b",
          r"\b(?:ignore|disregard|forget)\b(?: (?:all|everything|anything))?(?: (?:the|that is|written))?"
          r" (?:above|before this|said before)\b",
          r"\b(?:supersedes|overrides) (?:everything|anything|all(?: of)? the text) (?:above|before)\b",
          r"\b(?:supersedes|overrides) (?:all |any )?(?:previous |prior |earlier )?instructions\b",
          r"(?:忽略|无视|忽视|不要理会|不必理会|忘记|忘掉|抛开|跳过)掉?你?(?:之前|以前|先前|此前|上面|上述|以上|前面"
          rf"|前述|所有|全部|一切|原有|原来|原先|系统)(?:的|所有的|全部的)?(?:所有|全部|一切)?的?{_RULES_ZH}"),
    _kind("claims to be a system notice",
          "system|developer|admin|administrator|系统|管理员|开发者",
          r"\bsystem (?:notice|override|directive|instruction)s?\b", r"\bsystem prompt\b(?!s)",
          r"\bsystem message ?:", r"\bdeveloper (?:prompt|instructions?|message)s?\b",
          r"\badmin(?:istrator)? override\b", r"(?:系统|管理员|开发者)(?:通知|提示词?|指令|公告|消息|设定|命令) ?[:!]"),
    _kind("dictates how every question is answered",
          "answer|answers|respond|responds|reply|replies|asked|回答|回复|答复|作答|应答|问到|问及",
          rf"\b(?:answer|respond to|reply to) (?:every|all|any|each)\b{_WORDS}{{0,3}} {_QUESTIONS}\b"
          rf"{_WORDS}{{0,5}}? (?:with|by saying|by stating|saying|as follows|only)\b",
          r"\bwhen(?: you are)? asked (?:about|for|whether|if|how|what)\b(?: \S+){0,12}?"
          r" (?:answer|say|reply|respond|tell (?:them|the user))\b",
          rf"\b(?:always|only) (?:answer|respond|reply)\b{_WORDS}{{0,2}} (?:with|by saying|that)\b",
          r"\b(?:whoever|anyone who|those who) (?:answers|responds to|replies to) questions\b",
          rf"(?:所有|任何|每个|每一个|一切|全部)的?(?:相关)?{_QUESTIONS_ZH}(?:都|均|一律|一概|统一)?只?{_ANSWER_ZH}",
          rf"{_ANSWER_ZH}(?:所有|任何|每个|一切|全部)的?.{{0,8}}?{_QUESTIONS_ZH}时?(?:都|均|一律|请|必须|务必)",
          r"(?:一律|统一|始终|总是|只能)(?:回答|回复|答复)",
          r"问(?:到|及).{0,24}?(?:时|的时候)[,，]?(?:请|一律|务必|统一|只能|必须)(?:回答|回复|答复|说)"),
    _kind("tries to give the reader a new role",
          "you are now|from now on|pretend|act as|your new|new instruction|你现在是|从现在|你的新|扮演|指令",
          rf"\byou are now\b{_WORDS}{{0,3}}? (?:{_AI}|persona|jailbroken|unrestricted|dan)\b",
          r"\bfrom now on,? you (?:are|will|must|shall) (?:an?|the|answer|respond|reply|act|ignore|only|always)\b",
          r"\bpretend (?:to be|that you are|you are)\b",
          r"\bact as (?:an? )?(?:ai|assistant|chatbot|unrestricted|different)\b",
          r"\byour new (?:instructions|persona|rules|identity)\b", r"\bnew instructions? ?:",
          r"你现在是", r"从现在(?:开始|起)[,，]?你", r"你的新(?:角色|任务|指令|身份)",
          r"扮演(?:一个)?(?:ai|人工智能|助手)", r"新的?指令 ?:"),
    _kind("addresses an AI assistant",
          "ai|a.i.|llm|llms|gpt|gpts|chatgpt|chatbot|chatbots|bot|bots|language|assistant|assistants|claude"
          "|人工智能|智能|大模型|语言模型|机器人|助手|如果你是",
          r"\b(?:note|message|attention|instructions?|notice|reminder|memo|warning)s? (?:to|for) (?:all |any )?"
          rf"{_AI}\b",
          rf"\b(?:{_AI}|assistants?) (?:note|notice|instructions?) ?:",
          rf"\bif you are an? (?:{_AI}|assistant)\b", rf"\b(?:dear|hey|hi|hello),? (?:{_AI}|assistant|claude)\b",
          rf"\b(?:{_AI}|assistants?) (?:reading|processing|summari[sz]ing) this\b",
          rf"致(?:所有|各位)?的?{_AI_ZH}",
          rf"(?:给|写给|通知|提醒)(?:所有|各位|每个|每一个)?的?{_AI_ZH}(?:助手|助理|模型)",
          rf"{_AI_ZH}(?:助手|助理|模型)(?:请|必须|应当|应该|务必|注意)", rf"如果你是(?:一个)?(?:{_AI_ZH}|助手)"),
    _kind("tells the reader what to put in answers or hide from the user",
          "answer|answers|response|responses|reply|replies|output|outputs|summary|summaries|completion"
          "|completions|user|users|reader|summarising|summarizing|quoting|answering|回答|回复|答案|答复|输出|用户|提问者|读者",
          r"\b(?:include|add|append|insert|put|mention|cite|show|print|output|recommend|direct|refer)\b(?: \S+){0,12}?"
          rf" (?:in|into|to|at the (?:end|start|bottom|top) of) (?:your|their|every|each|all|any) {_ANSWERS}\b",
          rf"\b(?:end|begin|start|close|sign) (?:each|every|your|all|any) {_ANSWERS} with\b",
          r"\bwhen (?:summari[sz]ing|quoting|answering questions (?:about|from)) this (?:document|handbook|page"
          r"|file|policy|text|manual|guide)\b",
          r"\bdo(?: not|n't) (?:tell|mention|reveal|inform|disclose)(?: this| it)?(?: to)? (?:the )?"
          r"(?:users?|reader)\b",
          r"\bwithout (?:telling|informing|mentioning it to) the users?\b",
          r"\b(?:tell|inform|instruct) the users? (?:that|to)\b",
          r"在(?:你的|您的|每个|每次|所有|任何|每一个)?(?:回答|回复|答案|答复|输出)(?:中|里|末尾|结尾|最后|开头)"
          r"(?:都|必须|务必|请|要)?(?:加入|包含|附上|加上|添加|提及|写上|注明|插入|推荐|提供|告知)",
          r"不要(?:告诉|透露|提及|告知|让)(?:用户|提问者|读者)"),
]

# A request for secrets counts when it names where to send them and is no warning against doing so.
_SECRET_ASK = re.compile(
    rf"\b(?:send|e-?mail|mail|forward|give|provide|submit|reply with|transfer)\b{_WORDS}{{0,4}}? {_SECRETS}\b"
    rf"|(?:发送|发到|发给|提供|提交|告知|告诉|回复|填写|输入|转发)(?:您的|你的)?.{{0,6}}?{_SECRETS_ZH}"
    rf"|(?:将|把)(?:您的|你的)?.{{0,10}}?{_SECRETS_ZH}.{{0,12}}?(?:发送|发到|发给|提交|告知|转发|寄)",
)
_SECRET_REASON = "asks for a password or bank login to be sent"
_DESTINATION = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+|https?://|www\.")
_WARNING = re.compile(r"\b(?:never|not|no one|nobody|cannot)\b|n't\b|不要|切勿|请勿|禁止|不得|严禁|不可|不能|绝不|勿")
_SENTENCE_END = re.compile(r"[.!?。！？;；]")
_INVISIBLE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def normalise(text: str) -> str:
    return " ".join(_INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).split())


def find_instruction(text: str) -> InstructionFlag | None:
    """The first instruction-like wording in a passage, with its reason; None for ordinary text."""
    flat = normalise(text)
    low = flat.lower()  # the patterns are lower case: faster than matching with IGNORECASE
    shown = flat if len(flat) == len(low) else low  # the excerpt in its own case where the offsets agree
    words = set(_LATIN_WORD.findall(low))
    for kind in _KINDS:
        triggered = not kind.words.isdisjoint(words) or any(t in low for t in kind.substrings)
        if triggered and (m := kind.pattern.search(low)):
            return InstructionFlag(kind.reason, shown[m.start() : m.end()][:160])
    if not _DESTINATION.search(low):
        return None
    for m in _SECRET_ASK.finditer(low):
        sent_somewhere = _DESTINATION.search(low, m.end(), m.end() + 100)
        same_sentence = _SENTENCE_END.split(low[max(0, m.start() - 40) : m.start()])[-1]
        if sent_somewhere and not _WARNING.search(same_sentence):
            return InstructionFlag(_SECRET_REASON, shown[m.start() : m.end()][:160])
    return None
