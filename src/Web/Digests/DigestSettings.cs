namespace Cybernet.Web.Digests;

/// <summary>How often a user wants digests.</summary>
public enum DigestFrequency
{
    Off,
    QuarterHour,
    Hourly,
    Daily,
}

/// <summary>A user's digest preferences: frequency, the local time of a daily digest, quiet hours, time zone.</summary>
public sealed record DigestSettings(
    DigestFrequency Frequency,
    TimeOnly DailyAt,
    TimeOnly? QuietFrom,
    TimeOnly? QuietUntil,
    string TimeZone,
    DateTimeOffset? UnsubscribedAt)
{
    public static DigestSettings Default { get; } = new(DigestFrequency.Hourly, new TimeOnly(8, 0), null, null, "UTC", null);

    public bool Sends => Frequency != DigestFrequency.Off && UnsubscribedAt is null;

    public static string ToDatabase(DigestFrequency frequency) => frequency switch
    {
        DigestFrequency.Off => "off",
        DigestFrequency.QuarterHour => "quarter-hour",
        DigestFrequency.Hourly => "hourly",
        DigestFrequency.Daily => "daily",
        _ => throw new ArgumentOutOfRangeException(nameof(frequency)),
    };

    public static DigestFrequency FromDatabase(string value) => value switch
    {
        "off" => DigestFrequency.Off,
        "quarter-hour" => DigestFrequency.QuarterHour,
        "daily" => DigestFrequency.Daily,
        _ => DigestFrequency.Hourly,
    };
}
