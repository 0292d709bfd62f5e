using System.Net;
using System.Text;

using MimeKit;

namespace Cybernet.Web.Email;

/// <summary>
/// The look shared by every email: a plain-text part that reads well on its own and an HTML part with inline
/// styles (mail clients ignore style sheets), one column that narrows with the screen, one button.
/// Every value put in is HTML-encoded here, so a display name can never become markup.
/// </summary>
public sealed class EmailLayout
{
    private readonly StringBuilder html = new();
    private readonly StringBuilder text = new();

    public EmailLayout Heading(string value)
    {
        html.Append("<h1 style=\"margin:0 0 16px;font-size:22px;line-height:1.3;color:#111827\">").Append(Encode(value)).Append("</h1>");
        text.AppendLine(value).AppendLine(new string('=', Math.Min(value.Length, 60))).AppendLine();
        return this;
    }

    public EmailLayout Paragraph(string value)
    {
        html.Append("<p style=\"margin:0 0 16px;font-size:16px;line-height:1.5;color:#374151\">").Append(Encode(value)).Append("</p>");
        text.AppendLine(value).AppendLine();
        return this;
    }

    public EmailLayout Fine(string value)
    {
        html.Append("<p style=\"margin:0 0 12px;font-size:13px;line-height:1.5;color:#6b7280\">").Append(Encode(value)).Append("</p>");
        text.AppendLine(value).AppendLine();
        return this;
    }

    /// <summary>A list of lines, each a bold name followed by what they left (the digest's body).</summary>
    public EmailLayout Items(IEnumerable<(string Name, string What)> items)
    {
        html.Append("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"margin:0 0 20px;border-collapse:collapse\">");
        foreach (var (name, what) in items)
        {
            html.Append("<tr><td style=\"padding:12px 14px;border-top:1px solid #e5e7eb;font-size:16px;line-height:1.4;color:#111827\">")
                .Append("<strong>").Append(Encode(name)).Append("</strong>")
                .Append("<br><span style=\"color:#4b5563;font-size:15px\">").Append(Encode(what)).Append("</span></td></tr>");
            text.Append("  * ").Append(name).Append(": ").AppendLine(what);
        }

        html.Append("</table>");
        text.AppendLine();
        return this;
    }

    public EmailLayout Button(string label, Uri link)
    {
        var href = Encode(link.AbsoluteUri);
        html.Append("<p style=\"margin:8px 0 24px\"><a href=\"").Append(href)
            .Append("\" style=\"display:inline-block;padding:12px 22px;border-radius:10px;background:#4f46e5;color:#ffffff;")
            .Append("font-size:16px;font-weight:600;text-decoration:none\">").Append(Encode(label)).Append("</a></p>")
            .Append("<p style=\"margin:0 0 16px;font-size:13px;line-height:1.5;color:#6b7280;word-break:break-all\">")
            .Append("Or paste this address into your browser: <a href=\"").Append(href).Append("\" style=\"color:#4f46e5\">")
            .Append(href).Append("</a></p>");
        text.Append(label).AppendLine(":").AppendLine(link.AbsoluteUri).AppendLine();
        return this;
    }

    /// <summary>The finished message, addressed and tagged with its kind (for logs, which never see the body).</summary>
    public MimeMessage ToMessage(MailboxAddress from, MailboxAddress to, string subject, string kind, string footer, (string Label, Uri Link)? footerLink = null)
    {
        var message = new MimeMessage();
        message.From.Add(from);
        message.To.Add(to);
        message.Subject = subject;
        message.Headers.Add(MailHeaders.Kind, kind);
        var body = new BodyBuilder
        {
            TextBody = text.ToString() + "--\n" + footer + "\n" + (footerLink is { } t ? $"{t.Label}: {t.Link.AbsoluteUri}\n" : ""),
            HtmlBody = $"""
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
                <meta name="color-scheme" content="light"><title>{Encode(subject)}</title></head>
                <body style="margin:0;padding:0;background:#f3f4f6;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif">
                <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6"><tr><td align="center" style="padding:24px 12px">
                <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px">
                <tr><td style="padding:0 4px 14px;font-size:16px;font-weight:700;color:#111827">
                <span style="display:inline-block;width:18px;height:18px;border-radius:5px;background:#6366f1;vertical-align:-3px;margin-right:8px"></span>Cybernet Call</td></tr>
                <tr><td style="background:#ffffff;border-radius:14px;padding:28px 24px;border:1px solid #e5e7eb">{html}</td></tr>
                <tr><td style="padding:16px 8px;font-size:12px;line-height:1.5;color:#6b7280">{Encode(footer)}{FooterLink(footerLink)}</td></tr>
                </table></td></tr></table></body></html>
                """,
        };
        message.Body = body.ToMessageBody();
        return message;
    }

    private static string FooterLink((string Label, Uri Link)? link) => link is { } l
        ? $" <a href=\"{Encode(l.Link.AbsoluteUri)}\" style=\"color:#6b7280;text-decoration:underline\">{Encode(l.Label)}</a>"
        : "";

    private static string Encode(string value) => WebUtility.HtmlEncode(value);
}
