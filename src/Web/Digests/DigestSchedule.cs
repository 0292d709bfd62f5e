namespace Cybernet.Web.Digests;

/// <summary>
/// When a user is due a digest: pure calendar logic, in the user's own time zone (IANA names; daylight-saving
/// gaps and overlaps resolved as a wall clock would), so it is tested without a database or a clock.
/// </summary>
public static class DigestSchedule
{
    /// <summary>
    /// True when a digest should go now: something has waited past the chosen delay (or, for daily digests,
    /// since before today's chosen time), the last digest is at least that long ago, and it is not quiet hours.
    /// </summary>
    public static bool IsDue(DigestSettings settings, DateTimeOffset oldestWaiting, DateTimeOffset? lastDigest, DateTimeOffset now, TimeSpan shortDelay)
    {
        if (!settings.Sends || InQuietHours(settings, now))
        {
            return false;
        }

        switch (settings.Frequency)
        {
            case DigestFrequency.Daily:
                var slot = LastDailySlot(settings, now);
                return oldestWaiting <= slot && (lastDigest is null || lastDigest < slot);
            default:
                var delay = settings.Frequency == DigestFrequency.QuarterHour ? shortDelay : TimeSpan.FromHours(1);
                return now - oldestWaiting >= delay && (lastDigest is null || now - lastDigest >= delay);
        }
    }

    /// <summary>Whether the user's local time is within their quiet hours (which may wrap past midnight).</summary>
    public static bool InQuietHours(DigestSettings settings, DateTimeOffset now)
    {
        if (settings.QuietFrom is not { } from || settings.QuietUntil is not { } until || from == until)
        {
            return false;
        }

        var local = TimeOnly.FromDateTime(ToLocal(settings.TimeZone, now).DateTime);
        return from < until ? local >= from && local < until : local >= from || local < until;
    }

    /// <summary>The latest instant at or before <paramref name="now"/> when the user's clock showed their daily time.</summary>
    public static DateTimeOffset LastDailySlot(DigestSettings settings, DateTimeOffset now)
    {
        var zone = FindZone(settings.TimeZone);
        var today = DateOnly.FromDateTime(ToLocal(settings.TimeZone, now).DateTime);
        var slot = AtLocal(zone, today, settings.DailyAt);
        return slot <= now ? slot : AtLocal(zone, today.AddDays(-1), settings.DailyAt);
    }

    /// <summary>True for a time zone name this machine knows (IANA, e.g. Europe/Berlin).</summary>
    public static bool IsKnownZone(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name.Length <= 64 && TimeZoneInfo.TryFindSystemTimeZoneById(name, out _);

    private static DateTimeOffset ToLocal(string zone, DateTimeOffset now) => TimeZoneInfo.ConvertTime(now, FindZone(zone));

    private static TimeZoneInfo FindZone(string name) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(name, out var zone) ? zone : TimeZoneInfo.Utc;

    // A wall-clock time on a date: in a spring-forward gap it moves forward by the gap (02:30 -> 03:30);
    // in a fall-back overlap it is the first of the two (the earlier instant).
    private static DateTimeOffset AtLocal(TimeZoneInfo zone, DateOnly date, TimeOnly time)
    {
        var local = date.ToDateTime(time, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            var gap = zone.GetAdjustmentRules()
                .Where(r => r.DateStart <= local && r.DateEnd >= local)
                .Select(r => r.DaylightDelta)
                .FirstOrDefault(TimeSpan.FromHours(1));
            local = local.Add(gap == TimeSpan.Zero ? TimeSpan.FromHours(1) : gap);
        }

        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset);
    }
}
