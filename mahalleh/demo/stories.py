"""Deterministic demo stories: twelve published stories in Persian with English versions, spread over
the offices and the last months, each with a cover photo drawn locally with Pillow (nothing is
downloaded), and three drafts waiting for the PR officer — one of them names a resident of the office
who has not consented to photos and stories, so the warning and the publishing rule can be seen.

Everything goes through the stories services, as the writers and PR officers would do it.
"""

from __future__ import annotations

import datetime
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from mahalleh.accounts.models import Role, User
from mahalleh.geo.models import Office
from mahalleh.registry.models import Consent, Person
from mahalleh.stories import services
from mahalleh.stories.models import Story

__all__ = ["load_stories", "STORIES"]

# (theme, title_fa, title_en, summary_fa, summary_en, body_fa, body_en)
STORIES = [
    (
        "children",
        "کودکان دیوارهای کوچه را رنگ کردند",
        "Children paint the walls of their alley",
        "بیست کودک محله در سه شنبه دیوارهای خاکستری کوچه را به نقاشی‌های رنگی تبدیل کردند.",
        "Twenty children turned the grey walls of their alley into colourful murals over three Saturdays.",
        "## از یک پیشنهاد تا یک جشن\n\nپیشنهاد را خود بچه‌ها در **باشگاه کودکان** دادند. تسهیلگران رنگ و قلم‌مو را از یک خیریهٔ محلی گرفتند و همسایه‌ها نردبان آوردند.\n\n- روز اول: طرح‌ها روی کاغذ\n- روز دوم: رنگ زمینه\n- روز سوم: جزئیات و امضای بچه‌ها\n\nحالا کوچه جایی است که بچه‌ها دوستش دارند و بزرگ‌ترها در آن می‌ایستند و گپ می‌زنند.",
        "## From an idea to a celebration\n\nThe idea came from the children themselves, in the **children's club**. The facilitators got paint and brushes from a local charity and the neighbours brought ladders.\n\n- Day one: designs on paper\n- Day two: the background colours\n- Day three: details and the children's signatures\n\nThe alley is now a place the children love, where adults stop to talk.",
    ),
    (
        "women",
        "صندوق خرد زنان به پنجاه عضو رسید",
        "The women's micro-savings fund reaches fifty members",
        "صندوقی که با دوازده زن شروع شد، حالا به پنجاه عضو و نخستین وام‌های کسب‌وکار رسیده است.",
        "A fund that began with twelve women now has fifty members and has made its first business loans.",
        "## پس‌اندازهای کوچک، قدم‌های بزرگ\n\nهر عضو هفته‌ای مبلغی کوچک می‌گذارد. جلسه‌ها هر دو هفته در دفتر تسهیلگری برگزار می‌شود و تصمیم‌ها با رأی اعضا گرفته می‌شود.\n\nسه عضو با نخستین وام‌ها چرخ خیاطی خریدند و حالا سفارش مدرسه‌های محله را می‌دوزند.",
        "## Small savings, big steps\n\nEach member puts aside a small sum every week. Meetings are held every two weeks at the facilitation office and decisions are taken by the members' vote.\n\nThree members bought sewing machines with the first loans and now sew uniforms for the neighbourhood's schools.",
    ),
    (
        "adolescents",
        "تیم فوتبال نوجوانان قهرمان لیگ شهر شد",
        "The teenagers' football team wins the city league",
        "تیمی که در زمین خاکی محله تمرین می‌کرد، جام لیگ نوجوانان شهر را برد.",
        "A team that trained on the neighbourhood's dirt pitch won the city's youth league cup.",
        "## تمرین در زمین خاکی\n\nهفته‌ای سه شب، بعد از کار و مدرسه. مربی داوطلب از همین محله است.\n\nبرای بسیاری از بازیکنان، تیم دلیلی شد که در مدرسه بمانند: شرط بازی، نمرهٔ قبولی است.",
        "## Training on a dirt pitch\n\nThree evenings a week, after work and school. The volunteer coach grew up in the neighbourhood.\n\nFor many of the players the team became a reason to stay in school: a pass mark is the condition for playing.",
    ),
    (
        "elderly",
        "کانون سالمندان، خاطره‌های محله را ثبت کرد",
        "The elders' circle records the memories of the neighbourhood",
        "سالمندان محله در ده جلسه، تاریخ شفاهی محله را برای نسل‌های بعد ضبط کردند.",
        "Over ten meetings the elders recorded the neighbourhood's oral history for the generations to come.",
        "## وقتی محله باغ بود\n\nقدیمی‌ترها از روزهایی گفتند که جای خانه‌ها باغ انار بود. نوجوانان داوطلب صداها را ضبط و بازنویسی کردند.\n\n> «ما این محله را با دست خودمان ساختیم.»\n\nکتابچهٔ این خاطره‌ها در کتابخانهٔ مسجد محله در دسترس است.",
        '## When the neighbourhood was an orchard\n\nThe oldest residents spoke of the days when pomegranate orchards stood where the houses are now. Teenage volunteers recorded and transcribed their voices.\n\n> "We built this neighbourhood with our own hands."\n\nThe booklet of these memories is available in the library of the neighbourhood mosque.',
    ),
    (
        "employment",
        "دوره مهارت‌آموزی جوشکاری با بیست فارغ‌التحصیل",
        "Welding course graduates twenty",
        "با همکاری آموزش فنی و حرفه‌ای، بیست جوان محله گواهی جوشکاری گرفتند و هشت نفر مشغول کار شدند.",
        "With the technical and vocational training organisation, twenty young residents earned welding certificates; eight already have jobs.",
        "## از کلاس تا کارگاه\n\nدوره سه ماه طول کشید. کلاس‌ها در کارگاه یکی از صنعتگران محله برگزار شد.\n\nهشت فارغ‌التحصیل در کارگاه‌های شهرک صنعتی استخدام شدند و دو نفر کارگاه کوچک خودشان را راه انداختند.",
        "## From classroom to workshop\n\nThe course lasted three months. Classes were held in the workshop of one of the neighbourhood's craftsmen.\n\nEight graduates were hired by workshops in the industrial park and two opened a small workshop of their own.",
    ),
    (
        "groups",
        "شورای محله برای روشنایی کوچه‌ها رأی داد",
        "The neighbourhood council votes for street lighting",
        "شورای محله با جمع‌آوری امضا و گفت‌وگو با شهرداری، روشنایی سه کوچهٔ تاریک را ممکن کرد.",
        "By gathering signatures and talking to the municipality, the council brought light to three dark alleys.",
        "## کوچه‌های روشن، محلهٔ امن‌تر\n\nزنان محله گفته بودند شب‌ها از کوچه‌های تاریک می‌ترسند. شورا موضوع را در دستور جلسه گذاشت.\n\n1. جمع‌آوری دویست امضا\n2. نشست با شهرداری منطقه\n3. نصب دوازده چراغ",
        "## Lit alleys, a safer neighbourhood\n\nWomen had said they were afraid of the dark alleys at night. The council put the matter on its agenda.\n\n1. Two hundred signatures gathered\n2. A meeting with the district municipality\n3. Twelve lamps installed",
    ),
    (
        "partners",
        "کلینیک سیار سلامت به محله آمد",
        "A mobile health clinic comes to the neighbourhood",
        "با همکاری بهزیستی، کلینیک سیار در دو روز سیصد نفر از ساکنان را معاینه کرد.",
        "Together with the welfare organisation, a mobile clinic examined three hundred residents in two days.",
        "## دو روز، سیصد معاینه\n\nتسهیلگران از ماه‌ها قبل خانوارهایی را که بیمه نداشتند شناسایی کرده بودند. کلینیک سیار در حیاط مدرسه مستقر شد.\n\nبیست و پنج نفر برای پیگیری به مراکز درمانی ارجاع شدند.",
        "## Two days, three hundred check-ups\n\nFor months the facilitators had been finding the households without health insurance. The mobile clinic set up in the school yard.\n\nTwenty-five people were referred to health centres for follow-up.",
    ),
    (
        "children",
        "کتابخانهٔ کوچک در گوشهٔ دفتر",
        "A small library in the corner of the office",
        "قفسه‌ای از کتاب‌های اهدایی، حالا هر هفته صد کودک را به دفتر تسهیلگری می‌آورد.",
        "A shelf of donated books now brings a hundred children to the facilitation office every week.",
        "## کتاب، بهانهٔ دیدار\n\nهمه چیز با چهل کتاب اهدایی شروع شد. حالا بیش از هشتصد کتاب داریم و عصرهای چهارشنبه قصه‌گویی برگزار می‌شود.\n\nمادرها هم کم‌کم عضو شده‌اند.",
        "## Books as a reason to meet\n\nIt all began with forty donated books. Now there are more than eight hundred, and storytelling every Wednesday afternoon.\n\nMothers have started to join too.",
    ),
    (
        "women",
        "آشپزخانهٔ مشترک زنان سرپرست خانوار",
        "A shared kitchen for women heads of household",
        "ده زن سرپرست خانوار با یک آشپزخانهٔ مشترک، غذای خانگی برای ادارات نزدیک می‌پزند.",
        "Ten women heads of household cook home meals for nearby offices in a shared kitchen.",
        "## غذای خانگی، درآمد پایدار\n\nآشپزخانه در ساختمانی که شورای محله در اختیار گذاشت راه افتاد. هر روز صد و بیست پرس غذا پخته و تحویل داده می‌شود.\n\nدرآمد بین اعضا تقسیم می‌شود و بخشی به صندوق گروه می‌رود.",
        "## Home cooking, a steady income\n\nThe kitchen opened in a building the neighbourhood council made available. Every day a hundred and twenty meals are cooked and delivered.\n\nThe income is shared among the members and part goes into the group's fund.",
    ),
    (
        "adolescents",
        "نوجوانان، نقشهٔ محله را کشیدند",
        "Teenagers draw the map of their neighbourhood",
        "گروهی از نوجوانان با گوشی‌های خود، نقشهٔ خدمات و خطرهای محله را تهیه کردند.",
        "A group of teenagers used their phones to map the services and the hazards of the neighbourhood.",
        "## نگاه نوجوانان به محله\n\nآن‌ها جاهای امن برای بازی، چاله‌های خطرناک و مسیرهای مدرسه را علامت زدند.\n\nنقشه به شورای محله داده شد و دو چالهٔ خطرناک همان ماه پر شد.",
        "## The neighbourhood through teenagers' eyes\n\nThey marked safe places to play, dangerous holes and the routes to school.\n\nThe map was given to the neighbourhood council, and two dangerous holes were filled that same month.",
    ),
    (
        "elderly",
        "ورزش صبحگاهی سالمندان در پارک",
        "Morning exercise for the elderly in the park",
        "هر صبح ساعت هفت، سی سالمند در پارک محله با هم ورزش می‌کنند.",
        "Every morning at seven, thirty older residents exercise together in the neighbourhood park.",
        "## سلامتی با هم\n\nمربی داوطلب، بازنشستهٔ تربیت بدنی است. بعد از ورزش، چای و گفت‌وگو.\n\nچند نفر می‌گویند دیگر احساس تنهایی نمی‌کنند.",
        "## Health, together\n\nThe volunteer coach is a retired physical education teacher. After the exercise comes tea and conversation.\n\nSeveral say they no longer feel lonely.",
    ),
    (
        "employment",
        "بازارچهٔ محلی محصولات خانگی",
        "A local market for home-made products",
        "بازارچهٔ ماهانه، به سی خانوار فرصت فروش محصولات خانگی‌شان را داد.",
        "A monthly market gave thirty households the chance to sell their home-made products.",
        "## از خانه تا بازار\n\nترشی، مربا، صنایع دستی و لباس بافتنی. بازارچه در حیاط دفتر تسهیلگری برپا می‌شود.\n\nفروش نخستین بازارچه از انتظار همه بیشتر بود.",
        "## From home to market\n\nPickles, jams, handicrafts and knitted clothes. The market is held in the yard of the facilitation office.\n\nThe first market sold more than anyone expected.",
    ),
]

DRAFTS = [
    (
        "groups",
        "جلسهٔ ماهانهٔ شورا",
        "گزارش کوتاه جلسهٔ ماهانهٔ شورای محله.",
        "در این جلسه دربارهٔ پاکسازی کانال آب گفت‌وگو شد.",
    ),
    (
        "children",
        "کلاس نقاشی تابستانی",
        "کلاس نقاشی تابستانی برای کودکان محله.",
        "بیست کودک در کلاس نقاشی تابستانی شرکت کردند.",
    ),
]

PALETTES = [
    ((255, 183, 77), (239, 108, 0)), ((129, 199, 132), (46, 125, 50)), ((100, 181, 246), (21, 101, 192)),
    ((240, 98, 146), (173, 20, 87)), ((255, 241, 118), (249, 168, 37)), ((161, 136, 127), (93, 64, 55)),
]  # fmt: skip


def _picture(rng: random.Random, index: int) -> bytes:
    """A simple landscape of a neighbourhood: sky, a sun, houses and people, drawn with Pillow."""
    width, height = 1600, 1000
    top, bottom = PALETTES[index % len(PALETTES)]
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        draw.line(
            [(0, y), (width, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        )
    draw.ellipse([1250, 90, 1430, 270], fill=(255, 250, 220))
    x = 40
    while x < width - 100:
        w = rng.randint(150, 260)
        h = rng.randint(220, 420)
        colour = tuple(rng.randint(150, 240) for _ in range(3))
        draw.rectangle([x, height - 120 - h, x + w, height - 120], fill=colour, outline=(60, 60, 60), width=4)
        for wy in range(height - 100 - h, height - 180, 90):
            draw.rectangle([x + 30, wy, x + 70, wy + 40], fill=(250, 240, 200))
        x += w + rng.randint(20, 60)
    draw.rectangle([0, height - 120, width, height], fill=(120, 110, 100))
    for _ in range(rng.randint(3, 7)):
        px = rng.randint(80, width - 80)
        colour = tuple(rng.randint(30, 200) for _ in range(3))
        draw.ellipse([px - 18, height - 220, px + 18, height - 184], fill=(230, 190, 160))
        draw.rectangle([px - 22, height - 184, px + 22, height - 120], fill=colour)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _staff(office: Office) -> tuple[User, User]:
    staff = User.objects.filter(office=office)
    writer = staff.filter(role=Role.FACILITATOR).order_by("pk").first()
    reviewer = staff.filter(role=Role.PR_OFFICER).order_by("pk").first()
    return writer, reviewer


def _photo(rng, index, alt_fa, alt_en):
    return {
        "upload": SimpleUploadedFile(f"demo-{index}.jpg", _picture(rng, index), content_type="image/jpeg"),
        "alt_fa": alt_fa,
        "alt_en": alt_en,
    }


def load_stories(*, rng: random.Random) -> None:
    offices = [o for o in Office.objects.order_by("code") if o.neighbourhoods.exists()]
    now = timezone.now()
    for index, (theme, title_fa, title_en, summary_fa, summary_en, body_fa, body_en) in enumerate(STORIES):
        office = offices[index % len(offices)]
        writer, reviewer = _staff(office)
        story = services.story_create(
            actor=writer, title_fa=title_fa, summary_fa=summary_fa, body_fa=body_fa, title_en=title_en,
            summary_en=summary_en, body_en=body_en, themes=[theme],
            neighbourhood=office.neighbourhoods.order_by("code").first(),
        )  # fmt: skip
        services.image_add(
            actor=writer, story=story, make_cover=True,
            **_photo(rng, index, f"تصویری از محله برای روایت «{title_fa}»", f"A picture of the neighbourhood for “{title_en}”"),
        )  # fmt: skip
        services.story_submit(actor=writer, story=story)
        services.story_publish(actor=reviewer, story=story)
        # Spread the demo over the last months (the service stamps "now").
        published = now - datetime.timedelta(days=(len(STORIES) - index) * 9, hours=rng.randint(0, 12))
        Story.objects.filter(pk=story.pk).update(published_at=published)

    first = offices[0]
    writer, _reviewer = _staff(first)
    for index, (theme, title_fa, summary_fa, body_fa) in enumerate(DRAFTS):
        story = services.story_create(
            actor=writer, title_fa=title_fa, summary_fa=summary_fa, body_fa=body_fa, themes=[theme]
        )
        if index == 0:  # a draft with a photo, so the photo's description form can be tried
            # Its own generator: the demo's shared one must draw the same numbers as before.
            photo = _photo(
                random.Random(len(STORIES)),
                len(STORIES),
                f"تصویری برای «{title_fa}»",
                "A picture for a draft story",
            )
            services.image_add(actor=writer, story=story, make_cover=True, **photo)
        services.story_submit(actor=writer, story=story)
    # A draft that names a resident of the office who never consented to photos and stories.
    resident = (
        Person.objects.filter(household__neighbourhood__office=first, status=Person.Status.ACTIVE)
        .exclude(consents__purpose=Consent.Purpose.PHOTOS)
        .order_by("pk")
        .first()
    )
    if resident is not None:
        story = services.story_create(
            actor=writer,
            title_fa="گفت‌وگو با یکی از مادران محله",
            summary_fa="روایت یک مادر از کلاس‌های سوادآموزی.",
            body_fa=f"{resident.first_name} {resident.last_name} از کلاس‌های سوادآموزی می‌گوید.",
            themes=["women"],
        )
        services.story_submit(actor=writer, story=story)
