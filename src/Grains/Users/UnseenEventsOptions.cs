using System.ComponentModel.DataAnnotations;

namespace Cybernet.Grains.Users;

/// <summary>How a user grain makes sure its unseen events catch up with its saved offers even if its silo dies.</summary>
public sealed class UnseenEventsOptions
{
    public const string SectionName = "UnseenEvents";

    /// <summary>
    /// While the unseen events are behind, a reminder (stored in PostgreSQL) wakes the grain this long after a change and
    /// every this long after, so a silo that dies in between does not leave them behind until the user next signs in.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Backstop { get; set; } = TimeSpan.FromMinutes(1);
}
