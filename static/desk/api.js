// The API client: bearer token from sessionStorage, JSON in and out, the API's Chinese messages as errors.
const API = "/api/v1";

// The API's own messages are Chinese; these codes get wording that tells staff what to do.
const ERROR_MESSAGES = {
  illegal_transition: "该请求的状态已变化，不能执行此操作，请查看最新状态",
  // Someone else confirmed the minutes after the list was loaded.
  entry_not_pending: "该签到的服务时长已确认过，无需重复确认",
};

let onUnauthorized = () => {};
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

export const token = () => sessionStorage.getItem("token");
export const setToken = (value) => (value ? sessionStorage.setItem("token", value) : sessionStorage.removeItem("token"));

export class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    Object.assign(this, { status, code });
  }
}

// The messages of a field error tree ({"opening_hours": {"weekly": {"mon": {"0": {"close": [...]}}}}}).
const fieldMessages = (fields) => (typeof fields === "string" ? [fields] : Object.values(fields || {}).flatMap(fieldMessages));

function errorMessage(error) {
  if (!error) return "请求失败，请稍后重试";
  // A field's message the main message already says ("文件过大（不超过 10 MB）" and "文件过大") is not repeated.
  const details = [...new Set(fieldMessages(error.fields))].filter((detail) => !error.message?.includes(detail));
  return ERROR_MESSAGES[error.code] || [error.message, ...details].join("：");
}

// `path` under /api/v1, or an absolute path the API handed out (a png_url).
const url = (path) => (path.startsWith(`${API}/`) ? path : API + path);

// A FormData body goes as multipart (the browser sets its boundary); anything else as JSON.
async function send(method, path, body, accept = "application/json") {
  const headers = { Accept: accept };
  const multipart = body instanceof FormData;
  if (body !== undefined && !multipart) headers["Content-Type"] = "application/json";
  if (token()) headers.Authorization = `Bearer ${token()}`;
  let response;
  try {
    response = await fetch(url(path), { method, headers, body: body === undefined || multipart ? body : JSON.stringify(body) });
  } catch {
    throw new ApiError("网络连接失败，请稍后重试", 0, "network");
  }
  if (!response.ok) {
    const data = await response.json().catch(() => ({}));
    if (response.status === 401 && path !== "/auth/desk-login") onUnauthorized();
    throw new ApiError(errorMessage(data.error), response.status, data.error?.code);
  }
  return response;
}

export async function call(method, path, body) {
  const response = await send(method, path, method === "GET" ? undefined : body ?? {});
  if (response.status === 204) return null;
  return response.json();
}

// A file upload (multipart form); the answer's JSON.
export async function upload(path, formData) {
  return (await send("POST", path, formData)).json();
}

// The name the server gave the file (filename* first), else `fallback`.
function attachmentName(response, fallback) {
  const disposition = response.headers.get("Content-Disposition") || "";
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (encoded) return decodeURIComponent(encoded[1]);
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1] : fallback;
}

// The token is no cookie, so a link cannot carry it: fetch the file, hand it over as an object URL.
export async function download(path, fallbackName) {
  const response = await send("GET", path, undefined, "*/*");
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = attachmentName(response, fallbackName);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return link.download;
}

// An image the API serves only with the token (a station's QR code), as an object URL.
export async function imageUrl(path) {
  const response = await send("GET", path, undefined, "image/*");
  return URL.createObjectURL(await response.blob());
}
