//! The HTML pages, driven like a browser would (forms, cookies, redirects).

use reqwest::StatusCode;

use crate::common::backends;
use crate::helpers::{IssuerMode, PASSWORD, SEAL_A, TestApp, spawn_app};

/// The value of a hidden input named `name`.
fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in page"))
        + key.len();
    html[at..].split('"').next().unwrap().to_string()
}

fn set_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
}

async fn get(app: &TestApp, path: &str, cookie: &str) -> (StatusCode, Option<String>, String) {
    let r = app
        .http
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let s = r.status();
    let c = set_cookie(&r);
    (s, c, r.text().await.unwrap())
}

async fn post(app: &TestApp, path: &str, cookie: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.http
        .post(app.url(path))
        .header("cookie", cookie)
        .form(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_resident_applies_on_the_pages_and_a_clerk_approves_on_the_pages() {
    for b in backends() {
        let app = spawn_app(b, IssuerMode::Works).await;

        let (s, _, home) = get(&app, "/", "").await;
        assert_eq!(s, StatusCode::OK);
        assert!(home.contains("width=device-width"), "mobile viewport");
        assert!(home.contains("经营场所证明") && home.contains("出入境证明"));

        let (s, _, list) = get(&app, "/apply/business_premises?q=%E7%B9%81%E8%8D%A3", "").await;
        assert_eq!(s, StatusCode::OK);
        assert!(list.contains(&format!("/apply/business_premises/{SEAL_A}")));
        assert!(!list.contains("320707100004-01"), "the search filters");

        let (s, csrf_cookie, form) =
            get(&app, &format!("/apply/business_premises/{SEAL_A}"), "").await;
        assert_eq!(s, StatusCode::OK);
        let csrf_cookie = csrf_cookie.expect("CSRF cookie set");
        assert!(csrf_cookie.starts_with("eseal_csrf="));
        let csrf = hidden(&form, "csrf");
        assert_eq!(csrf_cookie, format!("eseal_csrf={csrf}"));
        assert!(form.contains("申请人姓名") && form.contains("pattern="));

        let path = format!("/apply/business_premises/{SEAL_A}");
        let mut fields = vec![
            ("applicant_name", "张三明"),
            ("applicant_id", "320707199003071233"),
            ("phone", "13800000000"),
            ("premises_address", "赣榆区青口镇繁荣社区三组18号"),
            ("property_owner", "李建国"),
            ("usage", "租赁"),
            ("area", "85.5"),
            ("business_use", "餐饮服务（小吃）"),
            ("shop_name", "赣榆区青口镇明记小吃店"),
            ("period", "2026-12-01至2029-11-30"),
        ];
        // Without the CSRF token: refused.
        let r = post(&app, &path, &csrf_cookie, &fields).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(r.text().await.unwrap().contains("页面已过期"));
        fields.push(("csrf", &csrf));
        // Without the cookie (a cross-site post): refused.
        let r = post(&app, &path, "", &fields).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        // A bad value: the form comes back with a Chinese message and the values kept.
        let mut bad = fields.clone();
        bad[2] = ("phone", "123");
        bad[1] = ("applicant_id", "320707199003071234");
        let r = post(&app, &path, &csrf_cookie, &bad).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = r.text().await.unwrap();
        assert!(
            page.contains("field-error\" data-field=\"phone\""),
            "{page}"
        );
        assert!(page.contains("校验码不正确"), "{page}");
        assert!(page.contains("有 2 处需要修改"), "{page}");
        assert!(page.contains("value=\"张三明\""));
        // Good.
        let r = post(&app, &path, &csrf_cookie, &fields).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let receipt = r.text().await.unwrap();
        assert!(receipt.contains("申请已提交"));
        let link_at = receipt.find("id=\"tracking-link\" href=\"").unwrap()
            + "id=\"tracking-link\" href=\"".len();
        let link = receipt[link_at..]
            .split('"')
            .next()
            .unwrap()
            .replace("&#x2f;", "/");
        let status_path = link
            .strip_prefix("https://eseal.test")
            .unwrap_or_else(|| panic!("public URL: {link}"))
            .to_string();
        let (s, _, status) = get(&app, &status_path, "").await;
        assert_eq!(s, StatusCode::OK);
        assert!(status.contains("已提交，等待受理"));

        // Clerk login page: CSRF-protected, wrong password says so in Chinese.
        let (_, login_cookie, login) = get(&app, "/clerk/login", "").await;
        let login_cookie = login_cookie.unwrap();
        let lcsrf = hidden(&login, "csrf");
        let r = post(
            &app,
            "/clerk/login",
            &login_cookie,
            &[
                ("csrf", &lcsrf),
                ("username", "clerk-a"),
                ("password", "nope"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(r.text().await.unwrap().contains("用户名或密码错误"));
        let r = post(
            &app,
            "/clerk/login",
            &login_cookie,
            &[
                ("csrf", &lcsrf),
                ("username", "clerk-a"),
                ("password", PASSWORD),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()["location"], "/clerk");
        let session = set_cookie(&r).unwrap();

        // The queue lists it; the page has the actions.
        let (s, _, queue) = get(&app, "/clerk", &session).await;
        assert_eq!(s, StatusCode::OK);
        let at = queue.find("/clerk/applications/").unwrap();
        let app_path = queue[at..].split('"').next().unwrap().to_string();
        let (_, _, detail) = get(&app, &app_path, &session).await;
        assert!(detail.contains("审核通过并出具"));
        assert!(detail.contains("320707199003071233"));
        let scsrf = hidden(&detail, "csrf");
        // A form post with the wrong token is refused.
        let r = post(
            &app,
            &format!("{app_path}/approve"),
            &session,
            &[("csrf", "forged")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = post(
            &app,
            &format!("{app_path}/approve"),
            &session,
            &[("csrf", &scsrf)],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, _, detail) = get(&app, &app_path, &session).await;
        assert!(detail.contains("已出具文书"));

        // The resident's page shows the download at once, and it is the PDF.
        let (_, _, status) = get(&app, &status_path, "").await;
        assert!(status.contains("下载盖章证明"));
        let r = app
            .http
            .get(app.url(&format!("{status_path}/document.pdf")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));

        // Clerk pages need a login.
        let r = app.http.get(app.url("/clerk")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()["location"], "/clerk/login");
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_page_input_is_a_chinese_4xx() {
    let app = spawn_app(crate::common::Backend::Sqlite, IssuerMode::Works).await;
    for (path, status) in [
        ("/apply/no_such_kind", StatusCode::NOT_FOUND),
        (
            "/apply/business_premises/320707000000-01",
            StatusCode::NOT_FOUND,
        ),
        (
            "/apply/business_premises/../../etc/passwd",
            StatusCode::NOT_FOUND,
        ),
        ("/a/not-a-token", StatusCode::NOT_FOUND),
    ] {
        let r = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), status, "{path}");
        assert!(r.text().await.unwrap().contains("页面不存在"), "{path}");
    }
    let r = app
        .http
        .post(app.url("/track"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("%%%")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("表单内容不完整"));
    app.stop().await;
}
