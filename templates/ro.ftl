# Mesajele dlbot în română. Aceleași chei ca en.ftl; variabilele sunt numite acolo unde apar.
# Textele de stare și de eroare sunt text simplu (fără HTML).

## Bun venit și ajutor

start =
    Salut, { $name }! Trimite-mi un link către un video, o melodie sau o postare cu poze și îți trimit media înapoi.
    Alege calitatea și formatul cu /settings; /help arată tot ce pot face.
help =
    Trimite-mi un link (cel mult { $maxLinks } într-un mesaj) și îți trimit înapoi videoclipul, sunetul sau pozele.
    Site-uri: { $platforms } și orice link direct către un video sau un stream.

    /settings: calitatea implicită (sau întreabă de fiecare dată), video sau audio, fără watermark, descrieri, limbă
    /stats: descărcările tale
    /cancel: oprește descărcările tale în curs
    Într-un grup, menționează-mă sau răspunde-mi cu un link; un admin al grupului poate porni /autodownload.
    În orice chat, scrie @{ $bot } și un link ca să trimiți ceva ce am trimis deja.
help-admin = Operatori: /status (sănătate, coadă, memorie, platforme) și /broadcast urmat de un mesaj pentru toți utilizatorii.
no-link = Trimite-mi un link către un video, o melodie sau o postare cu poze.
private-bot = Îmi pare rău, acesta este un bot privat.
rate-limited = Prea multe linkuri deodată: te rog așteaptă { $seconds } s și trimite-l din nou.

command-start = Pornește
command-help = Ce pot face
command-settings = Calitate, format, limbă
command-stats = Descărcările tale
command-cancel = Oprește descărcările

## Alegerea calității

choose-quality = Ce versiune vrei?
quality-best = 🎬 Cea mai bună
quality-2160p = 2160p
quality-1440p = 1440p
quality-1080p = 1080p
quality-720p = 720p
quality-480p = 480p
quality-360p = 360p
quality-worst = Cea mai mică
quality-audio = 🎵 Audio
choice-expired = Butonul a expirat: trimite linkul din nou.
choice-not-yours = Butonul este al altcuiva.
button-try-quality = Încearcă { $quality }

## Starea unei descărcări

status-received = ⏳ Am primit…
status-queued =
    ⏳ În coadă: ești { $position ->
        [1] primul
       *[other] al { $position }-lea
    } la rând.
status-starting = 🔎 Citesc linkul…
status-downloading =
    ⬇️ Descarc… { $percent }%
    { $done } din { $total } · { $speed }/s · mai sunt { $eta }
status-downloading-unknown = ⬇️ Descarc… { $done } · { $speed }/s
status-item = Elementul { $item } din { $items }
status-processing = ⚙️ Procesez…
status-uploading = ⬆️ Trimit…
status-lower-quality = 📉 { $from } are { $size }, prea mult pentru Telegram; încerc { $to }…
status-retrying = ⚠️ { $error } Încerc din nou (încercarea { $attempt } din { $max })…
status-cancelled = ✖️ Anulat.
caption-source = 🔗 Sursa

## Playlisturi (un link către mai multe elemente: întâi oferta, apoi câte o descărcare pentru fiecare)

playlist-offer =
    📃 { $title }
    { $total ->
        [one] Un element.
        [few] { $total } elemente.
       *[other] { $total } de elemente.
    }
playlist-offer-limited = Dintr-un playlist trimit cel mult { $limit }: primele { $limit }.
button-playlist-all = ⬇️ Descarcă tot ({ $count })
button-playlist-first = Doar primul
playlist-progress = ⏳ { $title }: { $done } din { $count } gata…
playlist-already = Playlistul acesta este deja pe drum.
playlist-summary-done = ✅ „{ $title }”: am trimis { $sent } din { $count }.
playlist-summary-partial = ⚠️ „{ $title }”: am trimis { $sent } din { $count }. Netrimise:
playlist-summary-item = #{ $index } { $title }: { $reason }
playlist-summary-more = …și încă { $count }.
playlist-item-cancelled = Anulat.

## Erori (câte una pentru fiecare cod DownloadError)

error-link-invalid = Nu pare un link pe care îl pot deschide.
error-link-unsupported = Linkurile de pe acest site nu sunt acceptate.
error-content-not_found = Nu l-am găsit: a fost șters sau nu a existat.
error-content-private = Conținutul este privat, așa că nu îl pot descărca.
error-content-age_restricted = Conținutul are restricție de vârstă, așa că nu îl pot descărca.
error-content-login_required = Conținutul este vizibil doar utilizatorilor autentificați, așa că nu îl pot descărca.
error-content-live = Este o transmisiune live: trimite-l din nou după ce se termină.
error-content-too_large = Fișierul este prea mare pentru Telegram (limita este { $limit }).
error-content-geo_blocked = Conținutul nu este disponibil în regiunea din care descarc.
error-fetch-failed = Site-ul nu a putut fi accesat sau a răspuns cu o eroare. Te rog încearcă mai târziu.
error-fetch-rate_limited = Site-ul limitează descărcările acum. Te rog încearcă din nou peste câteva minute.
error-fetch-blocked = Adresa duce într-o rețea privată, așa că nu o deschid.
error-platform-unavailable = Site-ul are probleme acum, așa că descărcările de pe el sunt oprite pentru puțin timp.
error-internal = Ceva nu a mers bine la mine. Te rog încearcă din nou.
error-too-large-detail = În { $quality } are { $size }, peste limita de { $limit }.
error-too-large-offer = O calitate mai mică ar putea încăpea:

## Setări

settings-body =
    ⚙️ Setările tale
    Calitate: { $quality }
    Format: { $format } (audio ca { $audioFormat })
    Fără watermark: { $noWatermark }
    Descrieri: { $captions }
    Limbă: { $language }
settings-quality-ask = Întreabă-mă
settings-format-video = 🎬 Video
settings-format-audio = 🎵 Audio
settings-watermark-on = Fără watermark: da
settings-watermark-off = Fără watermark: nu
settings-captions-on = Descrieri: da
settings-captions-off = Descrieri: nu
settings-saved = Salvat
value-on = da
value-off = nu
language-en = English
language-ro = Română
language-auto = Automat

## Statistici și anulare

stats =
    📊 Descărcările tale: { $downloads } ({ $bytes })
    Răspunse din cache: { $cacheHits }
    Eșuate: { $failures }
cancel-done = Am anulat { $count } descărcare(ări).
cancel-none = Nu ai descărcări în curs.

## Grupuri

autodownload-on = De acum descarc orice link postat în acest grup.
autodownload-off = De acum descarc linkuri doar când cineva mă menționează sau îmi răspunde.
autodownload-admins-only = Doar adminii grupului pot schimba asta.
autodownload-groups-only = /autodownload funcționează în grupuri.

## Modul inline

inline-hint = Scrie un link către un video
inline-send-private = Trimite-mi-l în privat

## Operatori

admin-only = Această comandă este pentru operatorii botului.
status-system = 🖥 { $state } · pornit de { $uptime } · memorie { $memory }
status-queue = 📥 Coadă: { $queued } în așteptare · { $running } în lucru · { $done } gata · { $dead } eșuate · { $cancelled } anulate
status-downloads = ⬇️ Descărcări: { $total } · { $rate }% reușite
status-platforms = Platforme:
broadcast-usage = Scrie mesajul după comandă: /broadcast Salutare tuturor
broadcast-started = Trimit către { $count } utilizator(i)…
broadcast-done = Trimitere gata: { $sent } trimise, { $failed } eșuate.
