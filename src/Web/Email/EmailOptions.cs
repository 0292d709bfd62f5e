using System.ComponentModel.DataAnnotations;

namespace Cybernet.Web.Email;

/// <summary>How the app reaches its SMTP server, whom its emails come from, and where their links point.</summary>
public sealed class EmailOptions
{
    public const string SectionName = "Email";

    [Required]
    public string Host { get; set; } = "127.0.0.1";

    [Range(1, 65535)]
    public int Port { get; set; } = 2525;

    /// <summary>None (local catchers only), StartTls (submission on 587) or Implicit (SMTPS on 465).</summary>
    public SmtpTlsMode Tls { get; set; } = SmtpTlsMode.None;

    /// <summary>Sign-in to the SMTP server; leave empty for none.</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    [Required, EmailAddress]
    public string FromAddress { get; set; } = "no-reply@cybernet.test";

    [Required]
    public string FromName { get; set; } = "Cybernet Call";

    /// <summary>The address people reach the app at (https in production), for links in emails.</summary>
    [Required, Url]
    public string PublicBaseUrl { get; set; } = "http://127.0.0.1:5100";

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether to pipeline SMTP commands where the server offers it: saves round trips to a distant relay, but
    /// servers that answer pipelined commands in separate small writes (smtp4dev, for one) stall on each message
    /// for TCP's delayed acknowledgement (measured: 22 messages/s with, over 1,000 without, on loopback).
    /// </summary>
    public bool Pipelining { get; set; } = true;

    public Uri Link(string pathAndQuery) => new(new Uri(PublicBaseUrl.TrimEnd('/') + "/"), pathAndQuery.TrimStart('/'));
}

/// <summary>Transport security towards the SMTP server.</summary>
public enum SmtpTlsMode
{
    None,
    StartTls,
    Implicit,
}
