"""Word lists and phrase grammars for the synthetic corpus. Data only.

Persian entries use a middle dot "·" where the written word needs a zero-width non-joiner
(U+200C), so the half-spaces a Persian search engine must handle stay visible in this file.

Grammars are templates with ``{slot}`` references to other rules of the same grammar. The
generator supplies the rest: ``P`` and ``C`` (the article's main person and city), ``num``,
``few``, ``pct``, ``year``, ``topic`` (the section's words), ``first``, ``last`` and ``city``.
In each rule, earlier entries are picked more often (a Zipf-like skew): order them by frequency.
"""

from __future__ import annotations

import re

ZWNJ = "\u200c"

_SPLIT = re.compile(r"[|\n]")


def _entries(text: str) -> tuple[str, ...]:
    """Split on "|" and line breaks; a backslash-continued line stays within its entry."""
    return tuple(" ".join(e.split()).replace("·", ZWNJ) for e in _SPLIT.split(text) if e.strip())


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    pairs = (entry.split(":", 1) for entry in _entries(text))
    return tuple((slug.strip(), label.strip()) for slug, label in pairs)


LANGUAGES: tuple[str, ...] = ("fa", "en")

SECTIONS: tuple[str, ...] = (
    "politics",
    "economy",
    "sports",
    "technology",
    "world",
    "culture",
    "health",
    "science",
)
SECTION_WEIGHTS: tuple[int, ...] = (18, 18, 16, 10, 14, 8, 8, 8)

# Every first and last name and every city below is a single whitespace-separated token: the
# generator counts words without re-splitting text, and relies on a person being two words.
FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "fa": _entries(
        """علی | محمد | حسین | رضا | مهدی | مریم | زهرا | فاطمه | سارا | نرگس | حمید | سعید
        امیر | مجید | نازنین | لیلا | پریسا | کاوه | بهرام | آرش | سیاوش | شیرین | نیلوفر | مینا
        هادی | جواد | مسعود | فرهاد | الهام | محسن | ابراهیم | یاسمن | پرستو | کیوان | حسن
        اکبر | ژاله | آزاده | بهاره | رامین | مصطفی | غلامرضا | عبدالله | سمیرا | طاهره"""
    ),
    "en": _entries(
        """James | Mary | John | Patricia | Robert | Jennifer | Michael | Linda | David | Sarah
        Elizabeth | William | Barbara | Richard | Susan | Joseph | Jessica | Thomas | Daniel
        Karen | Matthew | Emily | Anthony | Olivia | Mark | Sophie | Paul | Hannah | Andrew
        Grace | Joshua | Chloe | Kevin | Laura | Brian | Megan | George | Rachel | Edward
        Amelia | Samuel | Zoe | Oliver | Nadia | Omar | Priya | Carlos | Elena | Lucas | Aisha
        Mateo | Yuki | Wei | Fatima | Ahmed | Ravi | Maria | Hiroshi | Ingrid | Pierre"""
    ),
}

LAST_NAMES: dict[str, tuple[str, ...]] = {
    "fa": _entries(
        """احمدی | محمدی | حسینی | رضایی | کریمی | موسوی | جعفری | رحیمی | صادقی | قاسمی | نوری
        هاشمی | کاظمی | ملکی | شریفی | طاهری | زارعی | عباسی | یزدانی | فراهانی | حسین·زاده
        علی·پور | نیک·نام | قربانی | اکبری | سلطانی | توکلی | امینی | باقری | تهرانی | شیرازی
        اصفهانی | کرمانی | نجفی | مرادی | بهرامی | رستمی | افشار | کیانی | پورمحمدی | عبداللهی
        میرزایی | نصیری | قنبری | جهانگیری | صالحی | فتحی | خسروی | اسدی | حیدری"""
    ),
    "en": _entries(
        """Smith | Johnson | Williams | Brown | Jones | Garcia | Miller | Davis | Rodriguez
        Martinez | Wilson | Anderson | Taylor | Thomas | Moore | Jackson | Martin | Lee
        Thompson | White | Harris | Clark | Lewis | Robinson | Walker | Young | Allen | King
        Wright | Scott | Hill | Green | Adams | Baker | Nelson | Carter | Mitchell | Roberts
        Turner | Phillips | Campbell | Parker | Evans | Edwards | Collins | Stewart | Morris
        Murphy | Cook | Rogers | Reed | Patel | Nguyen | Kim | Chen | Singh | Okafor | Hassan
        Novak | Rossi | Schmidt | Dubois | Kowalski | Tanaka | O'Brien"""
    ),
}

CITIES: dict[str, tuple[str, ...]] = {
    "fa": _entries(
        """تهران | مشهد | اصفهان | شیراز | تبریز | کرج | اهواز | قم | کرمانشاه | رشت | کرمان | یزد
        اراک | همدان | زنجان | ارومیه | ساری | گرگان | بوشهر | بندرعباس | سنندج | قزوین | اردبیل
        بیرجند | زاهدان | خرم·آباد | کاشان | سمنان | بجنورد | یاسوج | پاریس | لندن | برلین | مسکو
        پکن | توکیو | دوحه | دبی | استانبول | بغداد | کابل | وین | ژنو | رم | نیویورک"""
    ),
    "en": _entries(
        """London | Paris | Berlin | Tokyo | Chicago | Boston | Toronto | Sydney | Madrid | Rome
        Vienna | Geneva | Dublin | Seattle | Denver | Atlanta | Houston | Dallas | Miami | Phoenix
        Manchester | Liverpool | Birmingham | Glasgow | Edinburgh | Melbourne | Auckland | Mumbai
        Delhi | Istanbul | Cairo | Nairobi | Lagos | Johannesburg | Singapore | Seoul | Beijing
        Shanghai | Brussels | Amsterdam | Stockholm | Oslo | Copenhagen | Helsinki | Warsaw
        Prague | Budapest | Athens | Lisbon | Tehran | Dubai | Doha | Montreal | Vancouver
        Ottawa | Baltimore | Portland | Austin"""
    ),
}

TOPICS: dict[str, dict[str, tuple[str, ...]]] = {
    "fa": {
        "politics": _entries(
            """مجلس | کابینه | نمایندگان | انتخابات | استیضاح | رأی·گیری | نامزدها | قانون اساسی
            شورای نگهبان | لایحه بودجه | احزاب | اصلاح·طلبان | اصولگرایان | دیپلماسی
            سیاست خارجی | وزارت کشور | شورای شهر | استانداری | مشارکت سیاسی | صندوق رأی
            کمیسیون امنیت ملی | مناظره انتخاباتی | فراکسیون | هیئت دولت | رئیس·جمهور"""
        ),
        "economy": _entries(
            """تورم | نرخ ارز | دلار | یورو | سکه | طلا | بورس | شاخص کل | سهام | بانک مرکزی
            نقدینگی | یارانه | مالیات | صادرات غیرنفتی | واردات | کسری بودجه | تعرفه | بازار مسکن
            اجاره·بها | بازار خودرو | رکود | رشد اقتصادی | سرمایه·گذاری خارجی | نرخ سود بانکی
            معیشت | حقوق کارگران | بازار سرمایه | رمزارز"""
        ),
        "sports": _entries(
            """فوتبال | والیبال | کشتی | بسکتبال | تیم ملی | سرمربی | دروازه·بان | مهاجم | هافبک
            داور | پنالتی | گل | لیگ برتر | جام جهانی | المپیک | مدال طلا | قهرمانی آسیا
            نقل·وانتقالات | استقلال | پرسپولیس | سپاهان | تراکتور | ورزشگاه آزادی | فینال
            نیمه·نهایی | فدراسیون فوتبال | وزنه·برداری | تکواندو | فوتسال"""
        ),
        "technology": _entries(
            """هوش مصنوعی | تلفن همراه | گوشی هوشمند | اینترنت | پهنای باند | فیلترینگ
            استارتاپ·ها | نرم·افزار | سخت·افزار | امنیت سایبری | رمزارز | بلاک·چین | ماهواره
            ربات | اپلیکیشن | پلتفرم | پیام·رسان | شبکه·های اجتماعی | اینترنت ملی
            فناوری اطلاعات | تراشه | پردازنده | دولت الکترونیک | فیبر نوری | اینترنت ماهواره·ای
            شرکت·های دانش·بنیان | نسل پنجم"""
        ),
        "world": _entries(
            """سفارت | سفیر | پناهجویان | آتش·بس | نیروهای نظامی | معاهده | ائتلاف | مرزها
            نماینده ویژه | کمک·های بشردوستانه | مهاجرت | دیپلمات·ها | نشست سران | تحریم·ها
            اعتراضات | درگیری | صلح | شورای امنیت | سازمان ملل | مذاکرات هسته·ای | توافق·نامه
            روابط دوجانبه | اتحادیه اروپا | خاورمیانه | کاخ سفید | کرملین | ناتو | غزه | اوکراین
            افغانستان"""
        ),
        "culture": _entries(
            """سینما | کارگردان | بازیگر | رمان | نویسنده | شعر | تئاتر | کنسرت | آلبوم
            جشنواره فجر | نمایشگاه کتاب | گالری | موزه | میراث فرهنگی | نقاشی | موسیقی سنتی
            ارکستر | اکران | جایزه | مستند | سریال | ادبیات | ناشران | خوشنویسی | فرش دستباف
            صنایع دستی | شب شعر | نوروز | یلدا"""
        ),
        "health": _entries(
            """بیمارستان | واکسن | ویروس | بیماران | پرستاران | جراحی | دیابت | سرطان | درمان
            درمانگاه | همه·گیری | عفونت | دارو | تغذیه | چاقی | بیمه سلامت | داروخانه | سلامت روان
            شیوع | علائم | آنفلوانزا | کرونا | پزشک خانواده | اورژانس | اهدای خون | فشار خون
            کمبود دارو | واکسیناسیون | وزارت بهداشت"""
        ),
        "science": _entries(
            """پژوهشگران | تلسکوپ | تغییرات اقلیمی | گونه·های جانوری | ژنوم | فسیل | آزمایشگاه
            آزمایش | فیزیک | شیمی | زیست·شناسی | سیارک | مأموریت فضایی | فضاپیما | اقیانوس
            یخچال·های طبیعی | انتشار کربن | تنوع زیستی | ذرات بنیادی | فیزیک کوانتوم
            سلول·های بنیادی | پروتئین | نانوفناوری | ریزگردها | دریاچه ارومیه | زلزله
            انرژی خورشیدی | ستاره·شناسی | مریخ"""
        ),
    },
    "en": {
        "politics": _entries(
            """parliament | cabinet | lawmakers | election | coalition | ballot | referendum
            constitution | governor | mayor | diplomacy | sanctions | negotiations | veto
            legislation | candidate | primaries | polls | administration | impeachment | senate
            opposition | campaign | voter turnout | budget bill"""
        ),
        "economy": _entries(
            """inflation | interest rates | tariffs | bonds | stocks | mortgage rates | exports
            deficit | recession | stimulus | currency | exchange rate | earnings | retail sales
            manufacturing | supply chain | commodities | gold | crude oil | pension fund
            subsidies | productivity | central bank | housing market | consumer spending
            unemployment | minimum wage | cryptocurrency"""
        ),
        "sports": _entries(
            """football | goal | striker | midfielder | goalkeeper | referee | penalty | final
            semifinal | league | cup | tournament | champion | medal | Olympics | marathon
            wrestling | volleyball | basketball | tennis | transfer window | squad | derby
            head coach | injury | season | World Cup | Premier League"""
        ),
        "technology": _entries(
            """smartphone | software | startup | algorithm | artificial intelligence | chip
            semiconductor | cloud | cybersecurity | app | internet | broadband | satellite | robot
            automation | encryption | data | platform | browser | server | blockchain | battery
            update | hackers | developers | processor | 5G network | social media"""
        ),
        "world": _entries(
            """embassy | ambassador | refugees | ceasefire | troops | treaty | alliance | border
            envoy | humanitarian aid | migration | diplomats | summit | sanctions | protests
            conflict | peacekeepers | rebels | Security Council | United Nations | nuclear talks
            trade deal | European Union | Middle East | White House | Kremlin | NATO"""
        ),
        "culture": _entries(
            """film | director | actor | novel | author | poetry | theater | concert | album
            festival | exhibition | gallery | museum | heritage | painting | music | orchestra
            premiere | award | documentary | series | cinema | literature | publisher | sculpture
            box office | streaming | book fair"""
        ),
        "health": _entries(
            """hospital | vaccine | virus | patients | nurses | surgery | diabetes | cancer
            treatment | clinic | pandemic | infection | medicine | diet | obesity | insurance
            pharmacy | mental health | outbreak | symptoms | therapy | screening | epidemic
            nutrition | flu season | blood pressure | drug shortage | vaccination"""
        ),
        "science": _entries(
            """researchers | telescope | climate | species | genome | fossil | laboratory
            experiment | physics | chemistry | biology | asteroid | mission | spacecraft | ocean
            glacier | emissions | carbon | biodiversity | particle | quantum | evolution | neurons
            protein | earthquake | solar power | astronomy | Mars"""
        ),
    },
}

# Persian tags are single words (some with a half-space); English tags are lowercase slugs.
TAGS: dict[str, dict[str, tuple[str, ...]]] = {
    "fa": {
        "politics": _entries(
            "سیاست | انتخابات | مجلس | دولت | دیپلماسی | احزاب | استیضاح | کابینه | رئیس·جمهور"
        ),
        "economy": _entries(
            "اقتصاد | تورم | بورس | دلار | ارز | طلا | مسکن | خودرو | یارانه | مالیات | بودجه"
        ),
        "sports": _entries(
            "ورزش | فوتبال | والیبال | کشتی | المپیک | استقلال | پرسپولیس | فوتسال | تکواندو"
        ),
        "technology": _entries(
            "فناوری | اینترنت | استارتاپ | موبایل | فیلترینگ | رمزارز | ماهواره | نرم·افزار"
        ),
        "world": _entries(
            "بین·الملل | خاورمیانه | اروپا | آمریکا | روسیه | چین | افغانستان | عراق | مهاجرت"
        ),
        "culture": _entries(
            "فرهنگ | سینما | کتاب | موسیقی | تئاتر | هنر | ادبیات | جشنواره | نوروز | سریال"
        ),
        "health": _entries(
            "سلامت | کرونا | واکسن | بهداشت | درمان | تغذیه | دارو | بیمارستان | سرطان | دیابت"
        ),
        "science": _entries(
            "علم | فضا | محیط·زیست | پژوهش | نجوم | اقلیم | زلزله | انرژی | فیزیک | ژنتیک"
        ),
    },
    "en": {
        "politics": _entries(
            """politics | elections | parliament | government | diplomacy | sanctions
            foreign-policy | local-government | human-rights | democracy | supreme-court"""
        ),
        "economy": _entries(
            """economy | inflation | stock-market | oil-prices | interest-rates | trade | jobs
            housing-market | central-bank | cryptocurrency | small-business | energy"""
        ),
        "sports": _entries(
            """sports | football | world-cup | premier-league | olympics | tennis | basketball
            champions-league | transfers | athletics | wrestling | volleyball"""
        ),
        "technology": _entries(
            """technology | artificial-intelligence | smartphones | cybersecurity | startups
            social-media | big-tech | semiconductors | gaming | privacy | electric-vehicles"""
        ),
        "world": _entries(
            """world | middle-east | europe | asia | africa | latin-america | united-nations
            refugees | conflict | migration | nato"""
        ),
        "culture": _entries(
            """culture | film | music | books | theater | art | festivals | television | heritage
            fashion | photography | awards"""
        ),
        "health": _entries(
            """health | covid-19 | vaccines | mental-health | nutrition | healthcare
            cancer-research | public-health | hospitals | fitness | medicine"""
        ),
        "science": _entries(
            """science | space | climate-change | environment | research | astronomy | biology
            physics | wildlife | oceans | archaeology"""
        ),
    },
}

GENERAL_TAGS: dict[str, tuple[str, ...]] = {
    "fa": _entries("ایران | تهران | گزارش | تحلیل | گفت·وگو | فوری"),
    "en": _entries("analysis | breaking-news | explainer | opinion | interview | exclusive"),
}

_EN_GRAMMAR_TEXT: dict[str, str] = {
    "sentence": """
        {opener} the {adj} {noun} {vt} the {topic} {pp}.
        The {topic} {vi} {time}, according to {org}.
        {person}, {role}, {say} the {noun} would {inf} the {adj} {topic} {pp}.
        {org} {vt} the {noun} {time}, citing {adj} {noun}.
        The {topic} {vi} by {pct} percent {pp}, {source} showed.
        In {city}, {num} {noun} {vt} the {adj} {topic} {time}.
        {analysts} {say} the {adj} {topic} could {inf} the {noun} in {year}.
        The {adj} {noun} comes as {org} {vt} the {topic} {pp}.
        It was not immediately clear whether the {topic} would {inf} the {adj} {noun}.
        The {noun} is expected to {inf} the {topic} {pp}, {person} {say}.
        {analysts} {say} the {adj} {noun} failed to {inf} the {topic}.
        The {topic} {vi} for the {ordinal} consecutive {period}.
        {org} did not respond to a request for comment on the {topic}.
        Figures from {org} showed the {topic} {vi} to {pct} percent in {month}.
        {opener} {num} {noun} were affected by the {adj} {topic}.
        Supporters of the {topic} {say} it would {inf} {adj} {noun} for the {noun}.
        The {adj} {topic} will cost about {money}, {org} estimated.
        The {noun} was {vt} {pp}, {agency} reported.
        Engineers at {company} {vt} a {adj} {topic} {pp}.
        {P} {say} that the {adj} {noun} {vi} {pp}.
        Officials in {C} {vt} a {adj} plan to {inf} the {topic} by {year}.
        {P} told {agency} that the {topic} {vi} after the {adj} {noun}.
        "The {topic} is {adj} for our {noun}," {P} {say}.
        More than {num} {noun} {vt} the {topic} in {C} {time}.
        {P} has {vt} the {adj} {topic} since {year}.
        The move is part of a {adj} effort to {inf} the {noun} in {C}.
        {P} is scheduled to discuss the {topic} with {person} in {city} {time}.
        Asked about the {topic}, {P} {say} the {noun} would {inf} it {pp}.
    """,
    "lead": """
        {P}, {role}, {say} on {weekday} that the {adj} {topic} would {inf} the {noun} in {C}, \
            a move that {analysts} {say} could {inf} {adj} {noun}.
        The {adj} {topic} in {C} {vi} {time} after {org} {vt} a {adj} plan to {inf} the \
            {noun}, according to {agency}.
        {org} {vt} the {adj} {topic} {time}, as {P} sought to {inf} {adj} {noun} before the \
            {noun} in {year}.
        Officials in {C} {say} the {topic} {vi} by {pct} percent {time}, the {ordinal} {adj} \
            change since {year}.
        {P} {say} the {adj} {noun} was {vt} {pp}.
        The {topic} in {C} {vi} {pp}.
        {num} {noun} {vt} the {adj} {topic} in {C} {time}.
        {analysts} {say} the {topic} will {inf} the {noun} in {C}.
        A {adj} {topic} backed by {P} {vi} {time}, raising questions about the {noun} and the \
            {adj} {noun} in {C}.
    """,
    "title": """
        {P} {vtp} {adj} {topic} plan in {C}
        {orgshort} {vtp} {topic} as {noun} {vip}
        {C} {noun} {vip} amid {adj} {topic} concerns
        Why the {adj} {topic} matters for {noun} in {C}
        {P} says {topic} will {inf} {noun} by {year}
        {num} {noun} {vtp} {adj} {topic} in {C}
        {orgshort} to {inf} {adj} {topic} after {adj} {noun}
        {topic} {vip} for {ordinal} straight {period} as {noun} {vip}
        What the {adj} {topic} means for {noun} in {C}
        {P} warns of {adj} {topic} ahead of {year} {noun}
        {C} braces for {adj} {topic} as {orgshort} {vtp} {noun}
        {P}: the {adj} {topic} will {inf} our {noun}
        {orgshort} {vtp} {num} {noun} in {adj} {topic} push
    """,
    "opener": """Meanwhile, | On {weekday}, | According to {agency}, | In {city}, | Separately,
        At the same time, | Earlier, | However, | In a statement, | Last {period}, | For now,
        Despite the {noun},""",
    "pp": """in {city} | on {weekday} | after the {adj} {noun} | amid {adj} {noun}
        during the {noun} | across the {noun} | earlier this {period} | before the {noun}
        despite {adj} {noun} | for the first time since {year} | in the coming {periods}""",
    "time": """on {weekday} | last {period} | this {period} | earlier this {period}
        on {weekday} night | late on {weekday} | in {month}""",
    "person": "{first} {last}",
    "role": """the finance minister | a spokesperson for {org} | chief executive of {company}
        a senior official at {org} | the mayor of {city} | head of the {noun} committee
        an analyst at {company} | a professor at {university} | the health minister
        the foreign minister | the team's head coach | a member of parliament
        director of the {city} office""",
    "org": """the United Nations | the World Bank | the International Monetary Fund
        the European Union | the World Health Organization | the Federal Reserve
        the European Central Bank | the Department of Energy | the Ministry of Health
        the National Weather Service | the Red Cross | Amnesty International | the Supreme Court
        the Senate | the city council | the Chamber of Commerce | FIFA | NASA | OPEC | NATO
        UNESCO | UNICEF | the Treasury | the International Olympic Committee | {company}""",
    "orgshort": """UN | World Bank | IMF | EU | WHO | Fed | ECB | NASA | FIFA | OPEC | NATO
        UNESCO | Parliament | Senate | City council | Treasury | {company}""",
    "company": """Microsoft | Google | Apple | Amazon | Samsung | Tesla | Toyota | Siemens | Shell
        Nvidia | Intel | Pfizer | Unilever | Volkswagen | Boeing | Airbus | Sony | Netflix
        Spotify | Uber | Meta | IBM""",
    "university": """Oxford University | Harvard University | the University of Toronto
        Stanford University | Imperial College London | the University of Melbourne | MIT""",
    "agency": """Reuters | the Associated Press | AFP | Bloomberg | the BBC | local media
        state television""",
    "source": """official data | a government report | new figures | the survey
        preliminary data""",
    "analysts": "analysts | experts | economists | observers | critics | residents | officials",
    "say": """said | announced | told reporters | noted | warned | stressed | argued | insisted
        added | acknowledged""",
    "money": """{num} million dollars | {num} billion dollars | {num} million euros
        {num} million pounds""",
    "noun": """government | officials | report | plan | market | economy | policy | agreement
        talks | court | decision | budget | company | industry | workers | union | prices
        growth | investment | project | program | crisis | region | security | police
        investigation | statement | committee | council | community | residents | city | country
        president | leader | party | law | bill | reform | tax | trade | energy | oil | gas
        electricity | water | drought | weather | storm | flood | transport | airport | railway
        highway | traffic | hospital | school | students | teachers | university | research
        study | scientists | system | network | service | customers | users | bank | shares
        investors | losses | profits | revenue | jobs | wages | housing | rent | construction
        farmers | harvest | food | exhibition | team | coach | players | fans | stadium
        victory | defeat | record | history | future | challenge | problem | solution | support
        pressure | concerns | criticism | protest | demand | proposal | meeting | visit
        delegation | ceremony | anniversary | figures | results | survey | analysts | experts
        sources | authorities | agency | ministry | department | office | sector | district
        province | neighbors | families | children | women | youth | citizens | consumers
        drivers | passengers | travelers | tourists | visitors | capacity | infrastructure
        education | environment | media | contract | cooperation | competition | quality
        costs | access | standards | rules | services | suppliers | exporters | retailers""",
    "adj": """new | major | local | national | international | regional | economic | political
        public | private | senior | former | key | final | first | latest | recent | annual
        global | historic | strong | weak | significant | sharp | steady | growing | rising
        falling | possible | potential | official | independent | federal | central | domestic
        foreign | digital | financial | social | cultural | medical | environmental | urban
        rural | long-term | short-term | early | late | unexpected | controversial | ambitious
        modest | small | large | young | joint | temporary | emergency | critical | broad""",
    "vt": """announced | approved | rejected | launched | opened | closed | signed | confirmed
        criticized | welcomed | proposed | discussed | reviewed | released | published
        increased | reduced | raised | cut | expanded | delayed | postponed | canceled
        completed | started | ended | won | lost | hosted | backed | questioned | investigated
        introduced | unveiled | adopted | extended | suspended | restored | defended
        challenged | funded | doubled | tightened | eased | boosted | blocked | supported
        praised | targeted | upgraded | finalized""",
    "vi": """rose | fell | increased | declined | slowed | stalled | improved | recovered
        continued | resumed | collapsed | expanded | stabilized | surged | dropped | doubled
        eased | widened | narrowed | worsened""",
    "inf": """approve | reduce | expand | review | support | delay | boost | limit | protect
        change | improve | reshape | strengthen | weaken | replace | fund | slow | accelerate
        restore | challenge | end | extend | revive | transform | stabilize | address""",
    "vtp": """approves | rejects | launches | unveils | backs | cuts | raises | boosts | delays
        blocks | targets | expands | eyes | weighs | seeks | plans | faces | defends | revives
        scraps""",
    "vip": """rises | falls | slows | stalls | surges | drops | climbs | grows | improves
        recovers | slumps | rebounds | eases | widens | jumps""",
    "weekday": "Monday | Tuesday | Wednesday | Thursday | Friday | Saturday | Sunday",
    "month": """January | February | March | April | May | June | July | August | September
        October | November | December""",
    "period": "week | month | year | quarter | season",
    "periods": "weeks | months | years | days",
    "ordinal": "second | third | fourth | fifth | sixth",
}

_FA_GRAMMAR_TEXT: dict[str, str] = {
    "sentence": """
        به گزارش {agency}، {subj} {pp} {obj} را {vt}.
        بر اساس این گزارش، {topic} طی {few} ماه گذشته {pct} درصد {change}.
        {opener} {topic} {pp} {vi}.
        در همین حال، {org} {obj} را {vt}.
        {analysts} معتقدند {topic} {adj} {pp} {vi}.
        {org} در بیانیه·ای اعلام کرد که {obj} {pp} {vpass}.
        این {noun} {pp} با حضور {person}، {role}، {vpass}.
        طبق آمار {org}، {num} {unit} {topic} در سال {year} {vpass}.
        {subj} قرار است {time} {obj} را {vsub}.
        هزینه این {noun} حدود {money} برآورد شده است.
        هنوز مشخص نیست که {topic} {pp} {vi}.
        {org} تاکنون به پرسش·ها درباره {topic} پاسخ نداده است.
        گفتنی است {topic} از سال {year} تاکنون {num} بار {vpass}.
        استفاده از {brand} در {noun} {adj} {vi}.
        {P}، {role}، در گفت·وگو با {agency} {say} که {topic} {adj} {pp} {vi}.
        {subj} در {C} {obj} را {vt}.
        {P} با اشاره به {noun} {adj} گفت: {topic} {adj} {vi}.
        {P} {time} در {city} {obj} را {vt}.
        {opener} {P} از {noun} {adj} {topic} انتقاد کرد.
        کاربران {brand} در {C} از {noun} {adj} خبر دادند.
        به گفته {P}، شرکت {brand} نیز {obj} را {vt}.
        {P} همچنین گفت: «{topic} {adj} برای {noun} {adj} {vi}».
        {opener} {num} {noun} در {C} {vpass}.
        این اقدام بخشی از تلاش·های {adj} برای {purpose} در {C} است.
    """,
    "lead": """
        به گزارش {agency}، {P}، {role}، {time} در {C} {say} که {topic} {adj} {pp} {vi} \
            و {obj} نیز {vpass}.
        {org} {time} اعلام کرد {topic} {pp} {pct} درصد {change} و این روند در {month} ماه \
            نیز ادامه خواهد داشت.
        {P} با اشاره به {noun} {adj} در {C} گفت: {topic} باید با {noun} {adj} همراه شود.
        {subj} {time} با حضور {person}، {role}، {obj} را در {C} {vt}.
        {analysts} معتقدند {topic} {adj} در {C} {vi}.
        {topic} {adj} در {C} {pp} {vi}.
        {num} {noun} در {C} {vpass}.
        {P} {time} از {topic} {adj} در {C} و {noun} {adj} انتقاد کرد و خواستار {purpose} شد.
    """,
    "title": """
        {P}: {topic} {adj} {pp} {vi}
        {org} {obj} را {vt}
        {topic} {adj} در {C} {vi}
        واکنش {P} به {topic} {adj} در {C}
        {num} {unit} {topic} در {C} {vpass}
        افزایش {pct} درصدی {topic} در {month} ماه
        جزئیات {noun} {adj} {org} درباره {topic}
        {brand} {obj} را در {C} {vt}
        {C} میزبان {noun} {adj} {topic} شد
        هشدار {P} درباره {topic} {adj} در سال {year}
        آیا {topic} {adj} {pp} {vi}؟
        ماجرای {topic} {adj} در {C} چه بود؟
        {P} {time} با {person} درباره {topic} دیدار کرد
    """,
    "subj": "{noun} {adj} | {org} | {person} | {topic} | مسئولان {org} | {P}",
    "obj": """{noun} {adj} | {topic} {adj} | طرح {adj} {topic} | گزارش {org}
        برنامه·های {adj} {topic}""",
    "pp": """در {city} | در {noun} {adj} | پس از {noun} {adj} | در پی {topic} | در جریان {noun}
        در سال {year} | طی {few} ماه گذشته | با وجود {noun} {adj} | برای {noun}
        در آستانه {noun}""",
    "time": """روز {weekday} | هفته گذشته | امروز | دیروز | ماه آینده | سال آینده | هفته آینده
        در {month} ماه""",
    "opener": """در همین حال، | از سوی دیگر، | بر اساس این گزارش، | همچنین | در این میان،
        با این حال،
        به گفته {analysts}، | بنابر اعلام {org}، | طبق آمار رسمی، | پیش از این نیز
        به گزارش {agency}، | گفتنی است""",
    "person": "{first} {last}",
    "role": """وزیر اقتصاد | سخنگوی دولت | رئیس {org} | معاون وزیر کشور | استاندار {city}
        شهردار {city} | نماینده مردم {city} در مجلس | مدیرعامل {company} | کارشناس مسائل اقتصادی
        عضو هیئت علمی دانشگاه تهران | سرمربی تیم ملی | سخنگوی وزارت امور خارجه
        رئیس کمیسیون اقتصادی مجلس""",
    "org": """سازمان ملل متحد | بانک جهانی | صندوق بین·المللی پول | اتحادیه اروپا
        سازمان جهانی بهداشت | بانک مرکزی | وزارت نفت | وزارت بهداشت | وزارت امور خارجه
        سازمان هواشناسی | جمعیت هلال احمر | مجلس شورای اسلامی | شورای شهر تهران | اتاق بازرگانی
        فدراسیون فوتبال | کمیته ملی المپیک | سازمان فضایی ایران | مرکز آمار ایران | شهرداری تهران
        سازمان برنامه و بودجه | وزارت آموزش و پرورش | دانشگاه تهران | دانشگاه صنعتی شریف
        سازمان حفاظت محیط زیست | بورس اوراق بهادار تهران | وزارت ارتباطات و فناوری اطلاعات
        سازمان لیگ فوتبال | اوپک | ناتو | یونسکو | یونیسف | {company}""",
    "company": """ایران·خودرو | سایپا | همراه اول | ایرانسل | دیجی·کالا | اسنپ | فولاد مبارکه
        شرکت ملی نفت ایران | بانک ملت | بانک ملی | سامسونگ | اپل | {brand}""",
    "agency": """ایرنا | ایسنا | خبرگزاری مهر | خبرگزاری فارس | تسنیم | ایلنا | خبرگزاری صدا و سیما
        رویترز | خبرگزاری فرانسه""",
    "analysts": "کارشناسان | تحلیلگران | منتقدان | ناظران | فعالان اقتصادی | برخی نمایندگان",
    "say": """گفت | اعلام کرد | تأکید کرد | اظهار داشت | خاطرنشان کرد | یادآور شد | توضیح داد
        افزود""",
    "money": """{num} میلیارد تومان | {num} میلیون دلار | {num} هزار میلیارد ریال
        {num} میلیون یورو""",
    "unit": "نفر | مورد | تن | دستگاه | واحد | پرونده",
    "purpose": """توسعه {noun} | کاهش {noun} | بهبود {noun} | حمایت از {noun} | مدیریت {topic}
        ساماندهی {topic}""",
    # Latin brand names inside Persian text, as Persian sites write them.
    "brand": """Apple | Google | Samsung | iPhone | Instagram | Telegram | WhatsApp | ChatGPT
        OpenAI | Bitcoin | Tesla | Netflix | YouTube | Android | Windows | Microsoft | Huawei
        Xiaomi | Snapp | Digikala | AI | 5G | FIFA | NASA | Starlink | TikTok | Nvidia""",
    "noun": """دولت | مردم | کشور | گزارش | برنامه | بازار | وزیر | مسئولان | طرح | قیمت·ها | شهر
        سال | مجلس | بخش | شرکت | شرکت·ها | مدیران | سازمان | توسعه | تولید | سرمایه·گذاری
        پروژه | منطقه | امنیت | جامعه | مدیریت | آموزش | خدمات | قانون | بودجه | تصمیم | توافق
        مذاکرات | اقتصاد | سیاست | سیاست·ها | نشست | جلسه | بحران | مشکلات | چالش·ها | راهکار
        حمایت | فشار | نگرانی·ها | انتقاد | اعتراض | درخواست | پیشنهاد | سفر | هیئت | مراسم
        کارشناسان | منابع | مقامات | وزارتخانه | اداره | استان | خانواده·ها | کودکان | زنان
        جوانان | شهروندان | کارگران | کشاورزان | دانشجویان | دانش·آموزان | معلمان | بیماران
        پزشکان | مسافران | رانندگان | مصرف·کنندگان | گردشگران | هواداران | کاربران
        سرمایه·گذاران | تورم | رشد | صادرات | واردات | تجارت | انرژی | نفت | گاز | برق | آب
        خشکسالی | سیل | حمل·ونقل | فرودگاه | راه·آهن | بزرگراه | ترافیک | بیمارستان | مدرسه
        دانشگاه | پژوهش | مطالعه | داده·ها | سامانه | شبکه | فناوری | نرم·افزار | بانک | ارز
        سهام | سود | زیان | درآمد | اشتغال | بیکاری | دستمزد | مسکن | اجاره·بها | ساخت·وساز
        محصولات | کالاها | نمایشگاه | جشنواره | فیلم | کتاب | کتاب·ها | موزه | هنرمندان | تیم
        مسابقه | قهرمانی | پیروزی | شکست | رکورد | تاریخ | آینده | ظرفیت | زیرساخت·ها
        محیط·زیست | فرهنگ | رسانه·ها | اینترنت | قرارداد | تحقیقات | بیانیه | کمیسیون | شورا
        پایتخت | مرز | قیمت | یارانه | مالیات | خودرو | صنعت | معدن | کشاورزی | گردشگری | ورزش
        سلامت | درمان | امکانات | تجهیزات | اطلاعات | آمار | شاخص | نتایج | روند | وضعیت
        شرایط | اقدامات | فعالیت·ها | برنامه·ها | طرح·ها | پروژه·ها | گزارش·ها | همکاری | روابط
        تعامل | رقابت | کیفیت | هزینه·ها""",
    "adj": """جدید | مهم | بزرگ | ملی | بین·المللی | اقتصادی | سیاسی | اجتماعی | فرهنگی | عمومی
        دولتی | خصوصی | منطقه·ای | جهانی | داخلی | خارجی | رسمی | کلیدی | اساسی | جدی | گسترده
        ویژه | تازه | اخیر | نهایی | سالانه | تاریخی | قابل·توجه | شدید | پایدار | احتمالی
        مستقل | مرکزی | دیجیتال | مالی | پزشکی | زیست·محیطی | شهری | روستایی | بلندمدت
        کوتاه·مدت | غیرمنتظره | بحث·برانگیز | کوچک | مشترک | موقت | اضطراری | حیاتی | فنی
        علمی | آموزشی | ورزشی | مردمی | دانش·بنیان | آنلاین | صنعتی | تجاری | امنیتی | حقوقی
        قضایی | راهبردی | جامع | فوری | مؤثر | ضروری | پیشین | تخصصی | هوشمند""",
    "vt": """اعلام کرد | تصویب کرد | رد کرد | راه·اندازی کرد | افتتاح کرد | امضا کرد | تأیید کرد
        تکذیب کرد | بررسی کرد | منتشر کرد | افزایش داد | کاهش داد | به تعویق انداخت | لغو کرد
        تکمیل کرد | آغاز کرد | میزبانی کرد | پیش·بینی کرد | ثبت کرد | معرفی کرد | رونمایی کرد
        تمدید کرد | تعلیق کرد | اجرا کرد | ارائه داد | پیگیری کرد | نهایی کرد | تقویت کرد
        محدود کرد | تأمین کرد | بررسی می·کند | اجرا می·کند | ارائه خواهد کرد | منتشر خواهد کرد
        دنبال می·کند""",
    "vi": """افزایش یافت | کاهش یافت | ادامه دارد | آغاز شد | به پایان رسید | متوقف شد
        بهبود یافت | گسترش یافت | کند شد | تشدید شد | افزایش می·یابد | کاهش می·یابد
        ادامه خواهد داشت | اجرایی می·شود | تغییر نمی·کند | به رکورد تازه·ای رسید
        با مشکل روبه·رو شد | برگزار می·شود | نهایی شد | تأثیر می·گذارد | بررسی می·شود
        پیگیری نمی·شود""",
    "vpass": """برگزار شد | افتتاح شد | آغاز شد | تصویب شد | امضا شد | اجرا شد | ثبت شد | منتشر شد
        تکمیل شد | لغو شد | تمدید شد | بررسی شد | شناسایی شد | توقیف شد""",
    "vsub": """بررسی کند | اجرا کند | تصویب کند | منتشر کند | اعلام کند | پیگیری کند | ارائه کند
        تکمیل کند | افتتاح کند | نهایی کند""",
    "change": "افزایش یافت | کاهش یافت | رشد داشت | افت کرد",
    "weekday": "شنبه | یکشنبه | دوشنبه | سه·شنبه | چهارشنبه | پنج·شنبه | جمعه",
    "month": """فروردین | اردیبهشت | خرداد | تیر | مرداد | شهریور | مهر | آبان | آذر | دی | بهمن
        اسفند""",
}

GRAMMARS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {rule: _entries(text) for rule, text in _EN_GRAMMAR_TEXT.items()},
    "fa": {rule: _entries(text) for rule, text in _FA_GRAMMAR_TEXT.items()},
}

# Site names: (domain label part, display part). A Persian display part written with a leading
# "·" joins its prefix with a half-space ("جهان‌نامه"); the others join with a space.
FA_SITE_PREFIXES = _pairs(
    """khabar:خبر | asr:عصر | sobh:صبح | rooz:روز | jahan:جهان | iran:ایران | tehran:تهران
    payam:پیام | navid:نوید | farda:فردا | emrooz:امروز | pars:پارس | arman:آرمان
    setareh:ستاره | mehr:مهر | roshan:روشن | azad:آزاد | kavir:کویر | alborz:البرز
    khalij:خلیج | shahr:شهر | hamvatan:هموطن | seda:صدا | negah:نگاه | didban:دیدبان
    tazeh:تازه | eghtesad:اقتصاد | varzesh:ورزش | fanavari:فناوری | salamat:سلامت"""
)
FA_SITE_SUFFIXES = _pairs(
    """online:آنلاین | news:نیوز | nameh:·نامه | press:پرس | emrooz:امروز | khabar:خبر
    iran:ایران | rooz:روز | media:مدیا | sara:·سرا | no:نو | 24:۲۴ | plus:پلاس"""
)
FA_TLDS: tuple[str, ...] = ("ir", "ir", "ir", "com", "net", "news", "info")

EN_SITE_PREFIXES = _entries(
    """daily | morning | evening | city | metro | national | global | valley | river | harbor
    north | south | west | east | capital | county | union | liberty | summit | pacific
    atlantic | lakeside | bay | central | coastal | mountain | prairie | midland | highland"""
)
EN_SITE_SUFFIXES = _entries(
    """herald | post | tribune | gazette | chronicle | times | observer | ledger | courier
    dispatch | globe | sentinel | journal | record | register | standard | star | sun
    telegraph | bulletin | review | examiner | monitor | press | news | report | wire | digest"""
)
EN_TLDS: tuple[str, ...] = ("com", "com", "com", "net", "org", "news", "co.uk", "co")

TRACKING_SOURCES: tuple[str, ...] = (
    "twitter",
    "telegram",
    "newsletter",
    "facebook",
    "google",
    "instagram",
)
TRACKING_MEDIUMS: tuple[str, ...] = ("social", "email", "referral", "cpc")
TRACKING_CAMPAIGNS: tuple[str, ...] = ("morning_brief", "breaking", "weekly_digest", "share_button")
