using System.ComponentModel.DataAnnotations;

namespace Cybernet.Web.Accounts;

/// <summary>Sign-in cookie settings, and who administers the deployment.</summary>
public sealed class AccountOptions
{
    public const string SectionName = "Accounts";

    /// <summary>How long a sign-in lasts without use (sliding).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "90.00:00:00")]
    public TimeSpan CookieLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Usernames that get the administrator role (the Hangfire dashboard) once their account exists.</summary>
    public IList<string> Administrators { get; } = [];
}

/// <summary>The roles accounts can have.</summary>
public static class Roles
{
    public const string Administrator = "admin";
}
