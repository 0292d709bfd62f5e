using Cybernet.Web.Digests;

namespace Cybernet.Web.Tests;

/// <summary>When a digest is due: delays, daily times in the user's zone across daylight-saving changes, quiet hours.</summary>
public sealed class DigestScheduleTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMinutes(15);
    private static readonly DateTimeOffset Now = new(2026, 6, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Hourly_waits_an_hour_after_the_oldest_waiting_item_and_an_hour_after_the_last_digest()
    {
        var hourly = DigestSettings.Default;
        Assert.False(DigestSchedule.IsDue(hourly, Now.AddMinutes(-59), null, Now, Short));
        Assert.True(DigestSchedule.IsDue(hourly, Now.AddMinutes(-61), null, Now, Short));
        Assert.False(DigestSchedule.IsDue(hourly, Now.AddMinutes(-61), Now.AddMinutes(-30), Now, Short));
        Assert.True(DigestSchedule.IsDue(hourly with { Frequency = DigestFrequency.QuarterHour }, Now.AddMinutes(-16), null, Now, Short));
    }

    [Fact]
    public void Off_and_unsubscribed_are_never_due()
    {
        Assert.False(DigestSchedule.IsDue(DigestSettings.Default with { Frequency = DigestFrequency.Off }, Now.AddDays(-3), null, Now, Short));
        Assert.False(DigestSchedule.IsDue(DigestSettings.Default with { UnsubscribedAt = Now.AddDays(-1) }, Now.AddDays(-3), null, Now, Short));
    }

    [Fact]
    public void Daily_goes_at_the_local_time_in_the_users_zone()
    {
        var daily = new DigestSettings(DigestFrequency.Daily, new TimeOnly(8, 0), null, null, "America/New_York", null);
        // 08:00 in New York in June is 12:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 6, 10, 12, 0, 0, TimeSpan.Zero), DigestSchedule.LastDailySlot(daily, Now));
        Assert.True(DigestSchedule.IsDue(daily, Now.AddHours(-3), Now.AddHours(-20), Now, Short));
        Assert.False(DigestSchedule.IsDue(daily, Now.AddMinutes(1), Now.AddHours(-20), Now.AddMinutes(2), Short), "what arrived after 08:00 waits for tomorrow");
        Assert.False(DigestSchedule.IsDue(daily, Now.AddHours(-3), Now.AddMinutes(1), Now.AddHours(2), Short), "already sent today");
    }

    [Fact]
    public void Daily_time_follows_daylight_saving_changes()
    {
        var berlin = new DigestSettings(DigestFrequency.Daily, new TimeOnly(8, 0), null, null, "Europe/Berlin", null);
        // Winter: 08:00 CET = 07:00 UTC. Summer: 08:00 CEST = 06:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 3, 28, 7, 0, 0, TimeSpan.Zero), DigestSchedule.LastDailySlot(berlin, new DateTimeOffset(2026, 3, 28, 9, 0, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 6, 0, 0, TimeSpan.Zero), DigestSchedule.LastDailySlot(berlin, new DateTimeOffset(2026, 3, 29, 9, 0, 0, TimeSpan.Zero)));

        // 02:30 does not exist on 29 March 2026 in Berlin: the digest goes at 03:30 local (01:30 UTC).
        var night = berlin with { DailyAt = new TimeOnly(2, 30) };
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 30, 0, TimeSpan.Zero), DigestSchedule.LastDailySlot(night, new DateTimeOffset(2026, 3, 29, 5, 0, 0, TimeSpan.Zero)));

        // 02:30 happens twice on 25 October 2026: the first one (00:30 UTC).
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero), DigestSchedule.LastDailySlot(night, new DateTimeOffset(2026, 10, 25, 5, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Quiet_hours_hold_digests_and_may_wrap_past_midnight()
    {
        var quiet = DigestSettings.Default with { QuietFrom = new TimeOnly(22, 0), QuietUntil = new TimeOnly(7, 0), TimeZone = "Asia/Tokyo" };
        // Tokyo is UTC+9 all year.
        Assert.True(DigestSchedule.InQuietHours(quiet, new DateTimeOffset(2026, 6, 10, 14, 0, 0, TimeSpan.Zero)), "23:00 in Tokyo");
        Assert.True(DigestSchedule.InQuietHours(quiet, new DateTimeOffset(2026, 6, 10, 21, 30, 0, TimeSpan.Zero)), "06:30 in Tokyo");
        Assert.False(DigestSchedule.InQuietHours(quiet, new DateTimeOffset(2026, 6, 10, 22, 0, 0, TimeSpan.Zero)), "07:00 in Tokyo");
        Assert.False(DigestSchedule.IsDue(quiet, Now.AddHours(-5), null, new DateTimeOffset(2026, 6, 10, 14, 0, 0, TimeSpan.Zero), Short));
        Assert.True(DigestSchedule.IsDue(quiet, Now.AddHours(-5), null, new DateTimeOffset(2026, 6, 10, 22, 0, 0, TimeSpan.Zero), Short));
    }

    [Fact]
    public void Only_real_zone_names_are_known()
    {
        Assert.True(DigestSchedule.IsKnownZone("Europe/Berlin"));
        Assert.False(DigestSchedule.IsKnownZone("Mars/Olympus_Mons"));
        Assert.False(DigestSchedule.IsKnownZone(""));
        Assert.False(DigestSchedule.IsKnownZone(null));
    }
}
