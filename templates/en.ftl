# dlbot's messages in English. ro.ftl has the same keys; variables are named where used.
# Status and error texts are plain text (no HTML), so no variable needs escaping.

## Welcome and help

start =
    Hi { $name }! Send me a link to a video, a song or a photo post and I will send the media back.
    Choose quality and format with /settings; /help shows everything I can do.
help =
    Send me a link (up to { $maxLinks } in one message) and I send back the video, the audio or the photos.
    Sites: { $platforms }, and any direct video or stream link.

    /settings: default quality (or ask each time), video or audio, no watermark, captions, language
    /stats: your downloads
    /cancel: stop your downloads in progress
    In a group, mention me or reply to me with a link; a group admin can turn on /autodownload.
    In any chat, type @{ $bot } and a link to share something I already sent.
help-admin = Operators: /status (health, queue, memory, platforms) and /broadcast followed by a message for every user.
no-link = Send me a link to a video, a song or a photo post.
private-bot = Sorry, this is a private bot.
rate-limited = Too many links at once: please wait { $seconds } s and send it again.

command-start = Start
command-help = What I can do
command-settings = Quality, format, language
command-stats = Your downloads
command-cancel = Stop your downloads

## Quality choices

choose-quality = Which version do you want?
quality-best = 🎬 Best
quality-2160p = 2160p
quality-1440p = 1440p
quality-1080p = 1080p
quality-720p = 720p
quality-480p = 480p
quality-360p = 360p
quality-worst = Smallest
quality-audio = 🎵 Audio
choice-expired = This button has expired: send the link again.
choice-not-yours = This button belongs to someone else.
button-try-quality = Try { $quality }

## Status of a download

status-received = ⏳ Received…
status-queued = ⏳ Queued: you are #{ $position } in line.
status-starting = 🔎 Reading the link…
status-downloading =
    ⬇️ Downloading… { $percent }%
    { $done } of { $total } · { $speed }/s · { $eta } left
status-downloading-unknown = ⬇️ Downloading… { $done } · { $speed }/s
status-item = Item { $item } of { $items }
status-processing = ⚙️ Processing…
status-uploading = ⬆️ Sending…
status-lower-quality = 📉 { $from } is { $size }, too big for Telegram; trying { $to }…
status-retrying = ⚠️ { $error } Trying again (attempt { $attempt } of { $max })…
status-cancelled = ✖️ Cancelled.
caption-source = 🔗 Source

## Playlists (a link to many items: offered first, then one download per item)

playlist-offer =
    📃 { $title }
    { $total ->
        [one] 1 item.
       *[other] { $total } items.
    }
playlist-offer-limited = I send at most { $limit } from one playlist: the first { $limit }.
button-playlist-all = ⬇️ Download all ({ $count })
button-playlist-first = First one only
playlist-progress = ⏳ { $title }: { $done } of { $count } done…
playlist-already = This playlist is already on its way.
playlist-summary-done = ✅ Sent { $sent } of { $count } from “{ $title }”.
playlist-summary-partial = ⚠️ Sent { $sent } of { $count } from “{ $title }”. Not sent:
playlist-summary-item = #{ $index } { $title }: { $reason }
playlist-summary-more = …and { $count } more.
playlist-item-cancelled = Cancelled.

## Errors (one per DownloadError code)

error-link-invalid = That does not look like a link I can open.
error-link-unsupported = Links from this site are not supported.
error-content-not_found = I could not find it: it was removed or never existed.
error-content-private = This is private, so I cannot download it.
error-content-age_restricted = This is age-restricted, so I cannot download it.
error-content-login_required = This is only visible to logged-in users, so I cannot download it.
error-content-live = This is a live stream: send it again when the stream has ended.
error-content-too_large = This is too big to send on Telegram (the limit is { $limit }).
error-content-geo_blocked = This is not available in the region I download from.
error-fetch-failed = The site could not be reached or answered with an error. Please try again later.
error-fetch-rate_limited = The site is limiting downloads right now. Please try again in a few minutes.
error-fetch-blocked = That address points into a private network, so I will not open it.
error-platform-unavailable = This site is failing right now, so downloads from it are paused for a moment.
error-internal = Something went wrong on my side. Please try again.
error-too-large-detail = In { $quality } it is { $size }, over the { $limit } limit.
error-too-large-offer = A lower quality may fit:

## Settings

settings-body =
    ⚙️ Your settings
    Quality: { $quality }
    Format: { $format } (audio as { $audioFormat })
    No watermark: { $noWatermark }
    Captions: { $captions }
    Language: { $language }
settings-quality-ask = Ask me
settings-format-video = 🎬 Video
settings-format-audio = 🎵 Audio
settings-watermark-on = No watermark: on
settings-watermark-off = No watermark: off
settings-captions-on = Captions: on
settings-captions-off = Captions: off
settings-saved = Saved
value-on = on
value-off = off
language-en = English
language-ro = Română
language-auto = Auto

## Your statistics and cancelling

stats =
    📊 Your downloads: { $downloads } ({ $bytes })
    Answered from the cache: { $cacheHits }
    Failed: { $failures }
cancel-done = Cancelled { $count } download(s).
cancel-none = You have no downloads in progress.

## Groups

autodownload-on = I will now download every link posted in this group.
autodownload-off = I will now download links only when someone mentions me or replies to me.
autodownload-admins-only = Only the group's admins can change this.
autodownload-groups-only = /autodownload works in groups.

## Inline mode

inline-hint = Type a link to a video
inline-send-private = Send it to me in private

## Operators

admin-only = This command is for the bot's operators.
status-system = 🖥 { $state } · up { $uptime } · memory { $memory }
status-queue = 📥 Queue: { $queued } waiting · { $running } running · { $done } done · { $dead } failed · { $cancelled } cancelled
status-downloads = ⬇️ Downloads: { $total } · { $rate }% successful
status-platforms = Platforms:
broadcast-usage = Write the message after the command: /broadcast Hello everyone
broadcast-started = Sending to { $count } user(s)…
broadcast-done = Broadcast done: { $sent } sent, { $failed } failed.
